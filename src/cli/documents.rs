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
    let (inc, warnings) = ctx.incident(ticket, &loaded)?;
    for w in warnings {
        eprintln!("warroom: {w}");
    }
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    match out {
        Some(path) => {
            let text = exporter.render(&inc, format).map_err(export_error)?;
            crate::fsutil::write_atomic(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
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
        None => print!("{}", exporter.render(&inc, format).map_err(export_error)?),
    }
    Ok(())
}

pub(super) fn close(ctx: &Ctx, ticket: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let (inc, _) = ctx.incident(ticket, &loaded)?;
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
    let (inc, _) = ctx.incident(ticket, &loaded)?;
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    let dir = exports_dir(&ctx.store.incident_dir(ticket));
    let written =
        write_recorded(&exporter, &inc, &Format::ALL, &dir, &writer).map_err(export_error)?;
    ctx.review(ticket, &inc)?;
    println!("Closed {ticket}. Exports in {}:", dir.display());
    for name in Written::names(&written) {
        println!("  {name}");
    }
    Ok(())
}
