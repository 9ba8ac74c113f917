//! The record from the command line: the list of incidents, notes and events.

use super::*;

pub(super) fn list(ctx: &Ctx) -> Result<()> {
    let loaded = ctx.config()?;
    let policy = loaded.config.policy();
    let now = Utc::now();
    let tickets = ctx.store.tickets().context("listing incidents")?;
    if tickets.is_empty() {
        println!("No incidents in {}", ctx.store.root().display());
        return Ok(());
    }
    let mut rows = Vec::new();
    for t in tickets {
        let Record {
            incident: inc,
            warnings,
            ..
        } = ctx.incident(&t, &loaded)?;
        for w in warnings {
            eprintln!("warroom: {t}: {w}");
        }
        let sla = match clock::sla(&inc, &policy, now) {
            Sla::Running { left, .. } => format!("{} left", crate::format::duration(left)),
            Sla::Breached { overdue } => format!("BREACHED +{}", crate::format::duration(overdue)),
            Sla::Stopped { took, target } => format!(
                "{} in {} of {}",
                if took <= target { "met" } else { "missed" },
                crate::format::duration(took),
                crate::format::target(target)
            ),
        };
        let review = ctx.review(&t, &inc)?;
        let pir = match clock::pir_due(&inc) {
            None if inc.priority.needs_pir() => "after close".to_string(),
            None => "-".to_string(),
            Some(_) if review == Review::Complete => "complete".to_string(),
            Some(due) if due < now => format!(
                "{}, OVERDUE since {}",
                review.describe(),
                crate::format::utc_minute(due)
            ),
            Some(due) => format!(
                "{}, due {}",
                review.describe(),
                crate::format::utc_minute(due)
            ),
        };
        rows.push((
            inc.closed_at.is_some(),
            inc.opened_at,
            [
                t,
                inc.priority.to_string(),
                inc.phase().as_str().to_string(),
                crate::format::duration(clock::elapsed(&inc, now)),
                sla,
                pir,
                inc.title.clone(),
            ],
        ));
    }
    // Open incidents first, newest first.
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let header = ["TICKET", "PRI", "PHASE", "ELAPSED", "SLA", "PIR", "TITLE"];
    let mut widths = header.map(str::len);
    for (_, _, r) in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 6 {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s
    };
    println!("{}", line(header));
    for (_, _, r) in &rows {
        println!(
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]].map(|s| s.as_str()))
        );
    }
    Ok(())
}

pub(super) fn note(ctx: &Ctx, ticket: &str, text: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Fail::Usage("the note is empty".into()));
    }
    let ev = ctx
        .store
        .writer(ticket)?
        .append(Draft::new(kinds::NOTE, text))
        .context("appending the note")?;
    println!(
        "Noted on {ticket} at {} UTC",
        crate::format::utc_second(ev.at)
    );
    push_after(ctx, ticket, None);
    Ok(())
}

pub(super) fn event(
    ctx: &Ctx,
    ticket: &str,
    kind: &str,
    text: &str,
    fields: &[String],
) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    if !Kind::is_valid_name(kind) {
        return Err(Fail::Usage(format!(
            "event kind {kind:?} must be snake_case (e.g. deploy_finished)"
        )));
    }
    let loaded = ctx.config()?;
    let checklist_kind = loaded
        .checklist
        .items()
        .any(|it| it.auto.iter().any(|t| t.kind == kind));
    if !Kind::new(kind).is_known() && !kind.starts_with(kinds::CUSTOM_PREFIX) && !checklist_kind {
        return Err(Fail::Usage(format!(
            "unknown event kind {kind:?}; did you mean {}? (custom kinds start with {}, e.g. {}{kind})",
            describe::nearest_kinds(kind).join(", "),
            kinds::CUSTOM_PREFIX,
            kinds::CUSTOM_PREFIX,
        )));
    }
    if kind == kinds::NOTE && text.trim().is_empty() {
        return Err(Fail::Usage(format!(
            "the note is empty: `warroom event {ticket} note TEXT…` (or `warroom note {ticket} TEXT…`)"
        )));
    }
    let mut draft = Draft::new(kind, text.trim());
    for f in fields {
        let Some((k, v)) = f.split_once('=') else {
            return Err(Fail::Usage(format!("--field {f:?} must be KEY=VALUE")));
        };
        if !Kind::is_valid_name(k) || ["at", "kind", "text", "by", "seat"].contains(&k) {
            return Err(Fail::Usage(format!(
                "--field key {k:?} must be snake_case and not at, kind, text, by or seat"
            )));
        }
        let value =
            serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.to_string()));
        draft = draft.field(k, value);
    }
    if draft.text.is_empty() {
        draft.text = describe::describe(kind, &draft.fields);
    }
    let ev = ctx
        .store
        .writer(ticket)?
        .append(draft)
        .context("appending the event")?;
    println!(
        "Recorded {kind} on {ticket} at {} UTC",
        crate::format::utc_second(ev.at)
    );
    push_after(ctx, ticket, Some(&loaded));
    Ok(())
}
