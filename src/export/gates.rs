//! The metric gates' verdicts on the latest deploy, for the documents: each verdict the record
//! holds, and the gates it holds none for.

use crate::incident::Incident;
use crate::incident::gates::GOOD;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Gates {
    /// Each recorded verdict: `ok`, and its sentence.
    pub judged: Vec<Judged>,
    /// Gates configured with no verdict on the latest deploy.
    pub unjudged: Vec<String>,
    /// The names of the gates judged good (what the status page may say is normal).
    pub good: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judged {
    pub name: String,
    pub ok: bool,
    pub text: String,
}

pub fn gates(inc: &Incident) -> Gates {
    let mut out = Gates::default();
    if inc.judged_from().is_none() {
        return out;
    }
    for (g, v) in inc.gate_verdicts_now() {
        match v {
            Some(v) => {
                let ok = v.verdict == GOOD;
                if ok {
                    out.good.push(g.name.clone());
                }
                out.judged.push(Judged {
                    name: g.name.clone(),
                    ok,
                    text: v.sentence.clone(),
                });
            }
            None => out.unjudged.push(g.name.clone()),
        }
    }
    out
}
