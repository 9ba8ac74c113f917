//! `warroom flag TICKET NAME off|on|status`: the console's `F` from a shell. A change is made,
//! read back, and recorded only when the read agrees; exit 0 done, 2 refused, 1 failed.

use std::sync::Arc;

use super::*;
use crate::cli::args::FlagState;
use crate::flags::{Flag, word};

pub(super) fn flag(ctx: &Ctx, ticket: &str, name: &str, state: FlagState) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let Some(cfg) = loaded
        .config
        .flags
        .iter()
        .find(|f| f.name.get_ref() == name)
    else {
        let names: Vec<&str> = loaded
            .config
            .flags
            .iter()
            .map(|f| f.name.get_ref().as_str())
            .collect();
        return Err(Fail::Usage(if names.is_empty() {
            "no [[flags]] in the configuration (docs/mitigation.md)".into()
        } else {
            format!(
                "no flag {name:?} in [[flags]]; there are {}",
                names.join(", ")
            )
        }));
    };
    let (client, secrets) = Flag::new(cfg).map_err(Fail::Usage)?;
    let redactor = Arc::new(Redactor::from_env(&loaded.config.redact.env).with_values(secrets));
    let shown = |s: &str| redactor.redact(s).into_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let on = match state {
        FlagState::Status => {
            let now = rt
                .block_on(client.read())
                .map_err(|e| anyhow::anyhow!(shown(&e)))?;
            println!("{name}: {} in {}", word(now), shown(&cfg.place()));
            return Ok(());
        }
        FlagState::On => true,
        FlagState::Off => false,
    };
    let inc = ctx.incident(ticket, &loaded)?.incident;
    if inc.closed_at.is_some() {
        return Err(Fail::Usage(format!(
            "{ticket} is closed: its record takes no more changes (the flag is unchanged)"
        )));
    }
    let comment = format!("{ticket}: turned {} from warroom", word(on));
    let change = rt.block_on(client.set(on, &comment)).map_err(|e| {
        anyhow::anyhow!(
            "{name} not turned {}: {} (nothing recorded)",
            word(on),
            shown(&e)
        )
    })?;
    let draft = crate::app::flags::changed(
        name,
        cfg.provider,
        &cfg.environment,
        &shown(&cfg.place()),
        change,
        false,
    );
    println!("{}", draft.text);
    ctx.store
        .writer(ticket)?
        .with_redactor(redactor)
        .append(draft)
        .context("recording the change")?;
    push_after(ctx, ticket, Some(&loaded));
    Ok(())
}
