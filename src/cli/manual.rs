//! The manual pages: `warroom(1)` whole (commands, keys, exit status, environment, files,
//! examples), one `warroom-COMMAND(1)` per command, and all of them written to a folder for
//! packagers.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use super::Cli;
use crate::keys::Action;

/// Text made safe for roff: backslashes and hyphens escaped, no line read as a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Characters beyond ASCII as groff's `\[uXXXX]`, which every roff reads (a raw `…` or `→` is
/// an invalid input character to one without a preprocessor).
fn ascii(page: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&page);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out.into_bytes()
}

/// A section of tagged paragraphs.
fn section(out: &mut Vec<u8>, title: &str, items: &[(String, String)]) -> std::io::Result<()> {
    writeln!(out, ".SH {title}")?;
    for (tag, text) in items {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(tag), roff(text))?;
    }
    Ok(())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "1",
        "An error: a file that cannot be read or written (named), a remote out of reach, a command that failed.",
    ),
    (
        "2",
        "Bad arguments or config: an unknown ticket or one already open, a config that does not parse (its file, line and key named).",
    ),
    (
        "3",
        "A git step stopped on conflicts (warroom git revert, backport): nothing of the conflicting step was written.",
    ),
    (
        "other",
        "The console's own exit code, when it ends on a signal (130 after SIGINT, 143 after SIGTERM).",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "WARROOM_HOME",
        "Where incidents are kept (default: ~/.local/share/warroom).",
    ),
    (
        "WARROOM_CONFIG",
        "The config file (else --config, ~/.config/warroom/warroom.toml, ./warroom.toml).",
    ),
    (
        "WARROOM_LOG",
        "The filter of warroom.log (default info; e.g. debug, warroom=trace).",
    ),
    (
        "SENTRY_AUTH_TOKEN",
        "Sentry's token for the error rate (the name is [sentry] token_env).",
    ),
    (
        "ROLLBAR_ACCESS_TOKEN",
        "Rollbar's project access token when [errors] source = \"rollbar\" (the name is [rollbar] token_env).",
    ),
    (
        "GITHUB_TOKEN",
        "GitHub's token for the pull request (the name is [github] token_env).",
    ),
    (
        "SLACK_WEBHOOK_URL",
        "The Slack webhook the status updates and the handoff are posted to.",
    ),
    (
        "TEAMS_WEBHOOK_URL",
        "The Microsoft Teams Workflows webhook the same posts go to, as an Adaptive Card (the name is [teams] webhook_env).",
    ),
    (
        "LINEAR_API_KEY",
        "Linear's API key when [tickets] provider = \"linear\" (the name is [tickets] token_env).",
    ),
    (
        "JIRA_API_TOKEN",
        "Jira Cloud's API token when [tickets] provider = \"jira\" (the name is [tickets] token_env).",
    ),
    ("NO_COLOR", "When set, the console draws without colour."),
];

const FILES: &[(&str, &str)] = &[
    (
        "$WARROOM_HOME/incidents/TICKET/journal.jsonl",
        "The record: one JSON event a line, appended and fsynced; the single source of truth.",
    ),
    (
        "$WARROOM_HOME/incidents/TICKET/logs/",
        "Every run's output (deploy, checks, smoke tests, rollback), secrets redacted.",
    ),
    (
        "$WARROOM_HOME/incidents/TICKET/exports/",
        "The documents written at the close: pir.md, slack.md, statuspage.md, email.md, pr.md, incident.json, timeline.csv.",
    ),
    (
        "$WARROOM_HOME/incidents/TICKET/seats/",
        "The other seats' events of a shared incident.",
    ),
    ("$WARROOM_HOME/warroom.log", "warroom's own log."),
    (
        "./warroom.toml, ~/.config/warroom/warroom.toml",
        "The config; `warroom config default` prints every key with its default.",
    ),
];

const EXAMPLES: &[(&str, &str)] = &[
    (
        "warroom demo",
        "A complete simulated P0 incident, every pane live.",
    ),
    (
        "warroom open ENG-1234 --priority P0 --title \"Auth bypass on expired tokens\" --detected-at 14:23",
        "Open an incident detected at 14:23 and its console.",
    ),
    (
        "warroom note ENG-1234 \"rollback ready\"",
        "Add a note from another shell; the console shows it within a second.",
    ),
    (
        "warroom event ENG-1234 deploy_finished -f exit_code=0",
        "Record a deploy made by CI.",
    ),
    (
        "warroom export ENG-1234 --format pir",
        "Print the post-incident review as the record holds it now.",
    ),
    (
        "warroom close ENG-1234",
        "Close the incident and write every document.",
    ),
];

/// A page's title, name, synopsis, description and options, as clap describes the command.
fn head(man: &clap_mangen::Man) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    Ok(out)
}

/// `warroom(1)`, whole.
pub fn main_page() -> Result<Vec<u8>> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = head(&man)?;
    let commands: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .map(|s| {
            (
                format!("warroom {}", s.get_name()),
                format!(
                    "{} (warroom-{}(1))",
                    s.get_about().map(|a| a.to_string()).unwrap_or_default(),
                    s.get_name()
                ),
            )
        })
        .collect();
    section(&mut out, "COMMANDS", &commands)?;
    let keys: Vec<(String, String)> = Action::ALL
        .iter()
        .map(|a| (a.default_key().to_string(), a.help().to_string()))
        .collect();
    section(&mut out, "KEYS", &keys)?;
    writeln!(
        out,
        ".PP\nEvery key can be bound again in the config's [keys] table (`warroom config default` lists them)."
    )?;
    common_sections(&mut out)?;
    section(&mut out, "FILES", &pairs(FILES))?;
    section(&mut out, "EXAMPLES", &pairs(EXAMPLES))?;
    writeln!(
        out,
        ".SH SEE ALSO\n{}\n.PP\nThe documentation: docs/ in the source, one page per subject.",
        cmd.get_subcommands()
            .filter(|s| s.get_name() != "help")
            .map(|s| format!("\\fBwarroom\\-{}\\fR(1)", roff(s.get_name())))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    man.render_version_section(&mut out)?;
    Ok(ascii(out))
}

fn common_sections(out: &mut Vec<u8>) -> std::io::Result<()> {
    section(out, "EXIT STATUS", &pairs(EXIT_STATUS))?;
    section(out, "ENVIRONMENT", &pairs(ENVIRONMENT))
}

/// `warroom-COMMAND(1)`: the command's synopsis, options and subcommands, exit status and
/// environment; `None` for a command that does not exist.
pub fn command_page(name: &str) -> Result<Option<Vec<u8>>> {
    let cmd = Cli::command();
    let Some(sub) = cmd.find_subcommand(name).filter(|_| name != "help") else {
        return Ok(None);
    };
    let sub = sub
        .clone()
        .name(format!("warroom-{name}"))
        .bin_name(format!("warroom {name}"))
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(sub);
    let mut out = head(&man)?;
    man.render_subcommands_section(&mut out)?;
    common_sections(&mut out)?;
    let examples: Vec<(String, String)> = pairs(EXAMPLES)
        .into_iter()
        .filter(|(e, _)| e.split_whitespace().nth(1) == Some(name))
        .collect();
    if !examples.is_empty() {
        section(&mut out, "EXAMPLES", &examples)?;
    }
    writeln!(out, ".SH SEE ALSO\n\\fBwarroom\\fR(1)")?;
    Ok(Some(ascii(out)))
}

/// Every page, as `warroom.1` and `warroom-COMMAND.1` in `dir`; returns how many.
pub fn write_all(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |file: &str, page: Vec<u8>| {
        let path = dir.join(file);
        std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))
    };
    write("warroom.1", main_page()?)?;
    let mut n = 1;
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        if let Some(page) = command_page(name)? {
            write(&format!("warroom-{name}.1"), page)?;
            n += 1;
        }
    }
    Ok(n)
}
