//! `warroom config …`: the example, the path, and the check.

use super::*;

pub(super) fn config_cmd(ctx: &Ctx, action: ConfigAction) -> Result<()> {
    match action {
        ConfigAction::Default => {
            print!("{EXAMPLE_CONFIG}");
            Ok(())
        }
        ConfigAction::Check => {
            let loaded = ctx.config()?;
            let text = match &loaded.path {
                Some(p) => {
                    println!("{}: ok", p.display());
                    std::fs::read_to_string(p).ok()
                }
                None => {
                    println!(
                        "No config file found: the defaults apply (see `warroom config default`)"
                    );
                    None
                }
            };
            println!(
                "checklist: {} ({} phases, {} items)",
                loaded.checklist_source,
                loaded.checklist.phases.len(),
                loaded.checklist.items().count()
            );
            let redactor = Redactor::from_env(&loaded.config.redact.env);
            let settings = config_check::settings(&loaded, text.as_deref(), &redactor);
            println!("\nThe configuration in effect (value · where it came from):");
            print!("{}", config_check::render(&settings));
            let gates = config_check::try_gates(&loaded.config)?;
            let flags = config_check::try_flags(&loaded.config)?;
            let outward = config_check::try_outward(&loaded.config)?;
            let mut failed = Vec::new();
            if gates > 0 {
                failed.push(crate::format::count(gates, "metric gate", "metric gates"));
            }
            if flags > 0 {
                failed.push(crate::format::count(flags, "feature flag", "feature flags"));
            }
            if outward > 0 {
                failed.push(crate::format::count(outward, "page check", "page checks"));
            }
            if !failed.is_empty() {
                return Err(Fail::Other(anyhow::anyhow!(
                    "{} gave no usable answer (above)",
                    failed.join(" and ")
                )));
            }
            Ok(())
        }
    }
}
