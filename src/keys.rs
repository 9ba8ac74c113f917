//! Actions and the keys bound to them (rebindable in `[keys]`).

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

macro_rules! actions {
    ($($variant:ident = $name:literal, $key:literal, $help:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            /// The name used in `[keys]`.
            pub fn name(self) -> &'static str { match self { $(Action::$variant => $name),* } }
            pub fn default_key(self) -> &'static str { match self { $(Action::$variant => $key),* } }
            pub fn help(self) -> &'static str { match self { $(Action::$variant => $help),* } }
        }
    };
}

actions! {
    FocusNext = "focus_next", "tab", "focus the next pane";
    FocusPrev = "focus_prev", "shift-tab", "focus the previous pane";
    Down = "down", "j", "move down in the focused pane";
    Up = "up", "k", "move up in the focused pane";
    Toggle = "toggle", "space", "checklist: toggle the selected item done / pending";
    Waive = "waive", "w", "checklist: waive the selected item (asks for a reason)";
    Note = "note", "n", "add a note to the timeline";
    Milestone = "milestone", "m", "mark a milestone";
    Priority = "priority", "p", "change the priority";
    Deploy = "deploy", "d", "run the deploy command (asks y)";
    Checks = "checks", "t", "run the configured checks";
    Smoke = "smoke", "s", "run the smoke tests";
    Rollback = "rollback", "r", "roll back (shows the plan, asks y)";
    Cancel = "cancel", "x", "cancel the running command (asks y)";
    Git = "git", "g", "git menu";
    Follow = "follow", "f", "deploy log / timeline: toggle follow";
    Flags = "flags", "F", "feature flags: read them, turn one off or on (asks y)";
    Page = "page", "P", "the page (PagerDuty): acknowledge, responders, updates";
    Tickets = "tickets", "T", "the ticket's follow-ups: the action items (y creates them)";
    Search = "search", "/", "deploy log: search";
    PageUp = "page_up", "pgup", "scroll a page up";
    PageDown = "page_down", "pgdn", "scroll a page down";
    Home = "home", "home", "go to the top";
    End = "end", "end", "go to the bottom";
    Utc = "utc", "u", "toggle UTC / local times";
    Export = "export", "e", "export now";
    Close = "close", "c", "close the incident (asks y)";
    Share = "share", "S", "share the incident on the service's git remote (asks y)";
    Role = "role", "R", "assign a role to yourself or a seat";
    Handoff = "handoff", "H", "hand the commander role over (shows the brief)";
    Help = "help", "?", "help";
    Quit = "quit", "q", "quit the console; the incident stays open";
}

/// A key as written in config: `j`, `space`, `shift-tab`, `ctrl-r`, `pgdn`, `f5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    pub fn from_event(ev: &KeyEvent) -> KeySpec {
        KeySpec {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }
}

impl FromStr for KeySpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-") {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "space" => KeyCode::Char(' '),
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "del" => KeyCode::Delete,
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key {s:?}: function keys are f1 to f12")),
                }
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "unknown key {s:?}: use a single character or one of space, tab, shift-tab, enter, esc, backspace, up, down, left, right, pgup, pgdn, home, end, delete, f1-f12, with optional ctrl- / alt-"
                        ));
                    }
                }
            }
        };
        Ok(KeySpec { code, ctrl, alt })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Which key runs which action. Arrow keys always move, whatever `up`/`down` are bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<(KeySpec, Action)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let bindings = Action::ALL
            .iter()
            .filter_map(|a| a.default_key().parse().ok().map(|k| (k, *a)))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// Rebinds `action` to `key`; a key bound elsewhere moves to this action.
    pub fn bind(&mut self, action: Action, key: KeySpec) {
        self.bindings.retain(|(k, a)| *a != action && *k != key);
        self.bindings.push((key, action));
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let spec = KeySpec::from_event(ev);
        if let Some((_, a)) = self.bindings.iter().find(|(k, _)| *k == spec) {
            return Some(*a);
        }
        match (ev.code, spec.ctrl) {
            (KeyCode::Up, false) => Some(Action::Up),
            (KeyCode::Down, false) => Some(Action::Down),
            _ => None,
        }
    }

    pub fn key_for(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|(_, a)| *a == action)
            .map(|(k, _)| k.to_string())
            .unwrap_or_else(|| "unbound".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_match_the_product() {
        let m = Keymap::default();
        assert_eq!(m.action(&key(KeyCode::Char(' '))), Some(Action::Toggle));
        assert_eq!(m.action(&key(KeyCode::Tab)), Some(Action::FocusNext));
        assert_eq!(
            m.action(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(m.action(&key(KeyCode::Down)), Some(Action::Down));
        assert_eq!(m.action(&key(KeyCode::Char('?'))), Some(Action::Help));
        assert_eq!(m.action(&key(KeyCode::Char('Z'))), None);
        for a in Action::ALL {
            assert_ne!(m.key_for(*a), "unbound", "{a:?} has no default key");
        }
    }

    #[test]
    fn rebinding_moves_the_key() {
        let mut m = Keymap::default();
        m.bind(Action::Quit, "ctrl-q".parse().expect("spec"));
        assert_eq!(m.action(&key(KeyCode::Char('q'))), None);
        assert_eq!(
            m.action(&KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        m.bind(Action::Note, "j".parse().expect("spec"));
        assert_eq!(m.action(&key(KeyCode::Char('j'))), Some(Action::Note));
        assert_eq!(m.key_for(Action::Down), "unbound");
    }

    #[test]
    fn key_names_parse_or_explain() {
        assert_eq!(
            "space".parse::<KeySpec>().map(|k| k.code),
            Ok(KeyCode::Char(' '))
        );
        assert_eq!("F5".parse::<KeySpec>().map(|k| k.code), Ok(KeyCode::F(5)));
        assert!("ctrl-x".parse::<KeySpec>().is_ok_and(|k| k.ctrl));
        assert!("f13".parse::<KeySpec>().is_err());
        assert!("spce".parse::<KeySpec>().unwrap_err().contains("spce"));
    }
}
