//! The urgency assessment that `warroom open` walks when no priority is given.

use std::io::{self, BufRead, Write};

use crate::priority::Priority;

#[derive(Debug, PartialEq)]
pub enum Outcome {
    Priority(Priority),
    /// Production is not broken and no business deadline is at risk.
    NormalProcess,
}

fn ask_yes<R: BufRead, W: Write>(input: &mut R, out: &mut W, question: &str) -> io::Result<bool> {
    loop {
        write!(out, "{question} [y/n] ")?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            _ => writeln!(out, "Please answer y or n.")?,
        }
    }
}

fn ask_criteria<R: BufRead, W: Write>(input: &mut R, out: &mut W, p: Priority) -> io::Result<bool> {
    writeln!(
        out,
        "\n{p} — {} (deploy < {}h):",
        p.kind(),
        p.deploy_target().as_secs() / 3600
    )?;
    for c in p.criteria() {
        writeln!(out, "  • {c}")?;
    }
    ask_yes(input, out, "Does any of these hold?")
}

/// Asks the workflow's questions and proposes a level.
pub fn assess<R: BufRead, W: Write>(input: &mut R, out: &mut W) -> io::Result<Outcome> {
    writeln!(out, "Urgency assessment")?;
    if !ask_yes(
        input,
        out,
        "Is production broken (or a security hole open)?",
    )? {
        if ask_yes(
            input,
            out,
            "Is a business-critical deadline blocked (campaign, partner launch)?",
        )? {
            return Ok(Outcome::Priority(Priority::P3));
        }
        writeln!(
            out,
            "\nNot an emergency: use the normal release process (review, staging, scheduled deploy)."
        )?;
        return Ok(Outcome::NormalProcess);
    }
    for p in [Priority::P0, Priority::P1] {
        if ask_criteria(input, out, p)? {
            return Ok(Outcome::Priority(p));
        }
    }
    ask_criteria(input, out, Priority::P2)?;
    Ok(Outcome::Priority(Priority::P2))
}

/// Shows the proposal and lets the user keep it (enter) or type another level.
pub fn confirm<R: BufRead, W: Write>(
    input: &mut R,
    out: &mut W,
    proposed: Priority,
) -> io::Result<Priority> {
    loop {
        write!(
            out,
            "\nProposed priority: {proposed} ({}, deploy < {}h). Enter to accept, or type P0-P3: ",
            proposed.kind(),
            proposed.deploy_target().as_secs() / 3600
        )?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(proposed);
        }
        match line.parse() {
            Ok(p) => return Ok(p),
            Err(e) => writeln!(out, "{e}")?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(answers: &str) -> (Outcome, String) {
        let mut out = Vec::new();
        let o = assess(&mut answers.as_bytes(), &mut out).expect("assess");
        (o, String::from_utf8(out).expect("utf8"))
    }

    #[test]
    fn walks_the_decision_tree() {
        assert_eq!(run("y\ny\n").0, Outcome::Priority(Priority::P0));
        assert_eq!(run("y\nn\nyes\n").0, Outcome::Priority(Priority::P1));
        assert_eq!(run("y\nn\nn\nn\n").0, Outcome::Priority(Priority::P2));
        assert_eq!(run("n\ny\n").0, Outcome::Priority(Priority::P3));
        let (o, text) = run("maybe\nn\nn\n");
        assert_eq!(o, Outcome::NormalProcess);
        assert!(text.contains("Please answer y or n"));
        assert!(text.contains("normal release process"));
    }

    #[test]
    fn shows_criteria_and_accepts_an_override() {
        let (_, text) = run("y\ny\n");
        assert!(text.contains("authentication or authorization bypass"));
        let mut out = Vec::new();
        assert_eq!(
            confirm(&mut "\n".as_bytes(), &mut out, Priority::P1).expect("c"),
            Priority::P1
        );
        assert_eq!(
            confirm(&mut "P9\np0\n".as_bytes(), &mut out, Priority::P1).expect("c"),
            Priority::P0
        );
    }
}
