//! The documents written from the record: the post-incident review (with its error-rate chart),
//! the Slack, status-page and email texts, the PR text, `incident.json` and `timeline.csv`.
//! Templates (minijinja) are built in from `assets/templates/` and can be replaced one by one
//! from `templates_dir`.

pub mod chat;
pub mod context;
pub mod gates;
pub mod handoff;
pub mod json;
pub mod mitigation;
pub mod outward;
pub mod record;
pub mod review;
pub mod rows;
pub mod slack;
pub mod svg;
pub mod teams;
pub mod ticket;
pub mod verified;
pub mod window;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use minijinja::{Environment, UndefinedBehavior};

use crate::clock::Policy;
use crate::incident::Incident;
use crate::journal::EventSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Pir,
    Slack,
    Statuspage,
    Email,
    Pr,
    Json,
    Timeline,
    /// The commander's handoff brief (a shared incident).
    Handoff,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Pir,
        Format::Slack,
        Format::Statuspage,
        Format::Email,
        Format::Pr,
        Format::Json,
        Format::Timeline,
    ];

    /// What closing writes: every format, and the handoff brief when the incident is shared.
    pub fn for_incident(inc: &Incident) -> Vec<Format> {
        let mut all = Format::ALL.to_vec();
        if !inc.seats.people.is_empty() {
            all.push(Format::Handoff);
        }
        all
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Pir => "pir",
            Format::Slack => "slack",
            Format::Statuspage => "statuspage",
            Format::Email => "email",
            Format::Pr => "pr",
            Format::Json => "json",
            Format::Timeline => "timeline",
            Format::Handoff => "handoff",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Format::Pir => "pir.md",
            Format::Slack => "slack.md",
            Format::Statuspage => "statuspage.md",
            Format::Email => "email.md",
            Format::Pr => "pr.md",
            Format::Json => "incident.json",
            Format::Timeline => "timeline.csv",
            Format::Handoff => "handoff.md",
        }
    }

    fn template(self) -> Option<&'static str> {
        match self {
            Format::Json | Format::Timeline => None,
            _ => Some(match self {
                Format::Pir => "pir.md.j2",
                Format::Slack => "slack.md.j2",
                Format::Statuspage => "statuspage.md.j2",
                Format::Email => "email.md.j2",
                Format::Handoff => "handoff.md.j2",
                _ => "pr.md.j2",
            }),
        }
    }
}

const BUILT_IN: &[(&str, &str)] = &[
    (
        "pir.md.j2",
        include_str!("../../assets/templates/pir.md.j2"),
    ),
    (
        "slack.md.j2",
        include_str!("../../assets/templates/slack.md.j2"),
    ),
    (
        "statuspage.md.j2",
        include_str!("../../assets/templates/statuspage.md.j2"),
    ),
    (
        "email.md.j2",
        include_str!("../../assets/templates/email.md.j2"),
    ),
    ("pr.md.j2", include_str!("../../assets/templates/pr.md.j2")),
    (
        "handoff.md.j2",
        include_str!("../../assets/templates/handoff.md.j2"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("template {file}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{0}")]
    Io(String),
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> ExportError {
        ExportError::Io(e.to_string())
    }
}

fn template_error(file: &str, e: &minijinja::Error) -> ExportError {
    let mut message = e.kind().to_string();
    if let Some(detail) = e.detail() {
        message = format!("{message}: {detail}");
    }
    ExportError::Template {
        file: file.to_string(),
        line: e.line(),
        message,
    }
}

/// The built-in templates, each replaced by `<templates_dir>/<name>` when that file exists.
#[derive(Clone)]
pub struct Templates {
    env: Environment<'static>,
    origin: Vec<(String, String)>,
}

impl Templates {
    pub fn load(dir: Option<&Path>) -> Result<Templates, ExportError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let mut origin = Vec::new();
        for (name, source) in BUILT_IN {
            let custom = dir.map(|d| d.join(name)).filter(|p| p.is_file());
            let (file, text) = match &custom {
                Some(p) => (
                    p.display().to_string(),
                    std::fs::read_to_string(p)
                        .map_err(|e| ExportError::Io(format!("reading {}: {e}", p.display())))?,
                ),
                None => (
                    format!("assets/templates/{name} (built in)"),
                    source.to_string(),
                ),
            };
            env.add_template_owned(name.to_string(), text)
                .map_err(|e| template_error(&file, &e))?;
            origin.push((name.to_string(), file));
        }
        Ok(Templates { env, origin })
    }

    fn file_of(&self, name: &str) -> String {
        self.origin
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| name.to_string())
    }

    pub fn render(&self, name: &str, ctx: &context::Context) -> Result<String, ExportError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| template_error(&self.file_of(name), &e))?;
        let mut out = t
            .render(minijinja::value::Serde(ctx))
            .map_err(|e| template_error(&self.file_of(name), &e))?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}

/// Everything an export needs besides the incident.
pub struct Exporter {
    pub policy: Policy,
    pub templates: Templates,
    pub rollback_command: Option<String>,
    /// The configured flags: the rollback plan's option 3.
    pub flags: Vec<mitigation::PlanFlag>,
    pub now: DateTime<Utc>,
}

impl Exporter {
    /// The templates (built in, or from `templates_dir`), the targets and the rollback command.
    pub fn new(
        templates_dir: Option<&Path>,
        policy: Policy,
        rollback_command: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Exporter, ExportError> {
        Ok(Exporter {
            templates: Templates::load(templates_dir)?,
            policy,
            rollback_command,
            flags: Vec::new(),
            now,
        })
    }

    /// One format's text.
    pub fn render(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        format: Format,
    ) -> Result<String, ExportError> {
        let mut out = Vec::new();
        self.render_to(inc, events, format, &mut out, &mut None)?;
        String::from_utf8(out).map_err(|e| ExportError::Io(e.to_string()))
    }

    /// Writes one format to `out` as the record is read: `incident.json` and `timeline.csv`
    /// never hold the events in memory. The documents' context is built at most once.
    pub fn render_to(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        format: Format,
        out: &mut dyn Write,
        ctx: &mut Option<context::Context>,
    ) -> Result<(), ExportError> {
        let io = |e: std::io::Error| ExportError::Io(e.to_string());
        match format {
            Format::Json => {
                json::write_incident_json(inc, events, &self.policy, self.now, out).map_err(io)
            }
            Format::Timeline => timeline_csv(events, out),
            other => {
                let ctx = self.context(inc, events, ctx)?;
                let text = self
                    .templates
                    .render(other.template().unwrap_or_default(), ctx)?;
                out.write_all(text.as_bytes()).map_err(io)
            }
        }
    }

    /// The documents' context, built by one pass over the record the first time it is needed.
    fn context<'c>(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        ctx: &'c mut Option<context::Context>,
    ) -> Result<&'c context::Context, ExportError> {
        Ok(match ctx {
            Some(c) => c,
            None => {
                let mut c = context::build(
                    inc,
                    events,
                    &self.policy,
                    self.rollback_command.clone(),
                    self.now,
                )?;
                c.mitigation = mitigation::mitigations(inc, &self.flags);
                ctx.insert(c)
            }
        })
    }

    /// Writes one format into `dir` (the PIR with its chart); returns the files written.
    /// Writes `formats` into `dir`, building the documents' context once.
    pub fn write(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        formats: &[Format],
        dir: &Path,
    ) -> Result<Vec<Written>, ExportError> {
        let mut ctx = None;
        formats
            .iter()
            .map(|f| self.write_with(inc, events, *f, dir, &mut ctx))
            .collect()
    }

    /// Every format.
    pub fn write_all(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        dir: &Path,
    ) -> Result<Vec<Written>, ExportError> {
        self.write(inc, events, &Format::ALL, dir)
    }

    fn write_with(
        &self,
        inc: &Incident,
        events: &dyn EventSource,
        format: Format,
        dir: &Path,
        ctx: &mut Option<context::Context>,
    ) -> Result<Written, ExportError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ExportError::Io(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(format.file_name());
        let write = |p: &Path, bytes: &[u8]| {
            crate::fsutil::write_atomic(p, bytes)
                .map_err(|e| ExportError::Io(format!("writing {}: {e}", p.display())))
        };
        if format != Format::Pir {
            crate::fsutil::write_atomic_with(&path, |out| {
                self.render_to(inc, events, format, out, ctx)
            })
            .map_err(|e| ExportError::Io(format!("writing {}: {e}", path.display())))?;
            return Ok(Written {
                format,
                path,
                chart: None,
            });
        }
        let context = self.context(inc, events, ctx)?;
        let text = self
            .templates
            .render(format.template().unwrap_or_default(), context)?;
        // The review is edited by hand after it is generated: a file that is no longer what
        // was generated last is kept, and the new draft goes beside it.
        let last = dir.join(".pir.md.generated");
        let current = std::fs::read(&path).ok();
        let edited = current.is_some_and(|c| std::fs::read(&last).ok() != Some(c));
        if edited {
            let draft = dir.join("pir.draft.md");
            write(&draft, text.as_bytes())?;
            return Ok(Written {
                format,
                path: draft,
                chart: None,
            });
        }
        write(&last, text.as_bytes())?;
        write(&path, text.as_bytes())?;
        let mut chart = None;
        if let Some(svg) = context
            .chart
            .as_ref()
            .and_then(|ev| svg::error_rate_svg(inc, ev))
        {
            let file = dir.join("error-rate.svg");
            write(&file, svg.as_bytes())?;
            chart = Some(file);
        }
        Ok(Written {
            format,
            path,
            chart,
        })
    }
}

/// One document written: its file, and the chart the review links to.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub format: Format,
    pub path: PathBuf,
    pub chart: Option<PathBuf>,
}

impl Written {
    /// The file names, the chart after its document.
    pub fn names(written: &[Written]) -> Vec<String> {
        written
            .iter()
            .flat_map(|w| std::iter::once(&w.path).chain(&w.chart))
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// Every event as a CSV row, written as it is read: time (UTC), kind, text, milestone, and the
/// kind's fields as JSON.
pub fn timeline_csv(events: &dyn EventSource, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| ExportError::Io(e.to_string());
    w.write_record(["at_utc", "kind", "text", "milestone", "fields"])
        .map_err(err)?;
    events
        .each(&mut |ev| {
            let fields = if ev.fields.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&ev.fields).unwrap_or_default()
            };
            w.write_record([
                crate::journal::event::rfc3339_string(ev.at).as_str(),
                ev.kind.as_str(),
                ev.text.as_str(),
                if Incident::is_milestone(&ev) {
                    "yes"
                } else {
                    ""
                },
                fields.as_str(),
            ])
            .map_err(std::io::Error::other)
        })
        .map_err(|e| ExportError::Io(e.to_string()))?;
    w.flush().map_err(|e| ExportError::Io(e.to_string()))
}
