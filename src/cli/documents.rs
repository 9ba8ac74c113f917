//! Documents from the command line: `export` and `close`.

use super::*;

pub(super) fn export_error(e: export::ExportError) -> Fail {
    match e {
        t @ export::ExportError::Template { .. } => Fail::Usage(t.to_string()),
        other => Fail::Other(anyhow::anyhow!(other.to_string())),
    }
}

pub(super) fn export_cmd(
    ctx: &Ctx,
    ticket: &str,
    format: Format,
    out: Option<&Path>,
) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    pull_before(ctx, ticket, &loaded);
    let rec = ctx.incident(ticket, &loaded)?;
    for w in &rec.warnings {
        eprintln!("warroom: {w}");
    }
    let (inc, events) = (&rec.incident, rec.events());
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    match out {
        Some(path) => {
            crate::fsutil::write_atomic_with(path, |out| {
                exporter.render_to(inc, &events, format, out, &mut None)
            })
            .map_err(export_error)?;
            record(
                &ctx.store.writer(ticket)?,
                &[Written {
                    format,
                    path: path.to_path_buf(),
                    chart: None,
                }],
            )
            .map_err(export_error)?;
            eprintln!("Wrote {}", path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            exporter
                .render_to(inc, &events, format, &mut out, &mut None)
                .map_err(export_error)?;
            out.flush().context("writing to stdout")?;
        }
    }
    Ok(())
}

pub(super) fn close(ctx: &Ctx, ticket: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    pull_before(ctx, ticket, &loaded);
    let inc = ctx.incident(ticket, &loaded)?.incident;
    let writer = ctx.store.writer(ticket)?;
    if let Some(at) = inc.closed_at {
        println!(
            "{ticket} was closed at {} UTC; writing its exports again",
            crate::format::utc_second(at)
        );
    } else {
        writer
            .append(Draft::new(
                kinds::INCIDENT_CLOSED,
                format!("Incident {ticket} closed"),
            ))
            .context("recording the close")?;
    }
    let rec = ctx.incident(ticket, &loaded)?;
    let inc = &rec.incident;
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    let dir = exports_dir(&ctx.store.incident_dir(ticket));
    let formats = Format::for_incident(inc);
    let written = write_recorded(&exporter, inc, &rec.events(), &formats, &dir, &writer)
        .map_err(export_error)?;
    ctx.review(ticket, inc)?;
    super::tickets::flush(ctx, &loaded, ticket)?;
    push_after(ctx, ticket, Some(&loaded));
    println!("Closed {ticket}. Exports in {}:", dir.display());
    for name in Written::names(&written) {
        println!("  {name}");
    }
    Ok(())
}
