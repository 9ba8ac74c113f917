//! `open --page` and `open --pagerduty ID`: the incident pages the on-call engineer through
//! PagerDuty's Events API, or follows an incident PagerDuty already has. Recorded only once
//! PagerDuty took it.

use super::*;

pub(super) enum Paging {
    Trigger,
    Link(String),
}

pub(super) fn page(
    ctx: &Ctx,
    ticket: &str,
    loaded: &Loaded,
    how: Paging,
) -> std::result::Result<(), String> {
    let cfg = &loaded.config.pagerduty;
    let service = cfg
        .service()
        .ok_or("not paged: set [pagerduty] service and from first (docs/paging.md)")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("not paged: {e}"))?;
    let inc = ctx
        .incident(ticket, loaded)
        .map_err(|_| "not paged: the incident cannot be read".to_string())?
        .incident;
    let draft = match how {
        Paging::Trigger => {
            // The Events API needs only the routing key: no REST token is asked for.
            let client = crate::pagerduty::Client::new(cfg, cfg.token().unwrap_or_default())?;
            let summary = format!("[{}] {} {}", inc.priority, inc.ticket, inc.title);
            rt.block_on(client.trigger(
                &inc.ticket,
                &summary,
                crate::pagerduty::severity(inc.priority),
            ))
            .map_err(|e| format!("not paged: {e}"))?;
            crate::app::paging::triggered(&inc.ticket, service)
        }
        Paging::Link(id) => {
            let token = cfg.token().ok_or_else(|| {
                format!(
                    "PagerDuty incident {id} not linked: export {} (a REST API key)",
                    cfg.token_env
                )
            })?;
            let client = crate::pagerduty::Client::new(cfg, token)?;
            let found = rt
                .block_on(client.incident(&id))
                .map_err(|e| format!("PagerDuty incident {id} not linked: {e}"))?;
            crate::app::paging::linked(&crate::pagerduty::follow::state(&found, Vec::new()), true)
        }
    };
    println!("{}", draft.text);
    ctx.store
        .writer(ticket)
        .map_err(|e| e.to_string())?
        .append(draft)
        .map_err(|e| format!("PagerDuty took it, but it is not recorded: {e}"))?;
    push_after(ctx, ticket, Some(loaded));
    Ok(())
}
