//! Who a seat is: the person's git identity and a short id of the machine and home it runs in.

use std::path::Path;

use crate::journal::Share;

/// The seat of this console: `user.name` made a safe ref component, and four hex digits of the
/// machine's id and the incidents' folder (two consoles on one machine with their own
/// `WARROOM_HOME` are two seats).
pub fn seat_for(repo: &git2::Repository, remote: &str, home: &Path) -> Result<Share, String> {
    let config = repo
        .config()
        .map_err(|e| format!("cannot read git's config: {}", e.message()))?;
    let name = config.get_string("user.name").map_err(|_| {
        "git has no user.name: set it (git config --global user.name \"Your Name\") so the other seats know who you are".to_string()
    })?;
    if looks_like_another(&name) {
        return Err(format!(
            "git's user.name {name:?} mixes scripts or reads as a name in another one: the other seats would refuse its events; set it as you want them to see it (git config --global user.name \"Your Name\")"
        ));
    }
    let email = config.get_string("user.email").unwrap_or_default();
    let person = person_of(&name);
    let machine = std::fs::read_to_string("/etc/machine-id")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let home = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    let mut h: u32 = 0x811c_9dc5;
    for b in machine.trim().bytes().chain(home.to_string_lossy().bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    Ok(Share {
        remote: remote.to_string(),
        seat: format!("{person}-{:04x}", h & 0xffff),
        by: name.trim().to_string(),
        email,
        moved: 0,
        backend: Default::default(),
    })
}

/// The person part of a seat id, from `user.name`.
fn person_of(name: &str) -> String {
    let mut person = crate::git::slug(name);
    person.truncate(24);
    if person.is_empty() {
        person = "seat".into();
    }
    person
}

/// Whether `by` is the person of `seat`: the name a seat's events carry is the one its id was
/// made from, and not one made to look like another's, so no seat writes as another.
pub fn writes_as(seat: &str, by: &str) -> bool {
    seat.rsplit_once('-')
        .is_some_and(|(person, _)| person == person_of(by))
        && !looks_like_another(by)
}

/// Whether a name is made to look like another (Unicode's UTS #39): letters of two scripts
/// mixed ("Аlice" with a Cyrillic А, which the seat id drops), or letters of another script
/// that all read as plain ASCII ("аӏісе"). "José" and "Алиса" are names as written.
fn looks_like_another(name: &str) -> bool {
    use unicode_security::MixedScript;
    !name.is_ascii()
        && (!name.is_single_script() || unicode_security::skeleton(name).all(|c| c.is_ascii()))
}

/// A seat id as it may appear in a ref: lowercase letters, digits and hyphens.
pub fn valid_seat(seat: &str) -> bool {
    !seat.is_empty()
        && seat.len() <= 40
        && seat
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::{seat_for, writes_as};

    #[test]
    fn a_lookalike_user_name_is_said_before_any_event_is_written() {
        let tmp = tempfile::tempdir().expect("tmp");
        let repo = git2::Repository::init(tmp.path()).expect("repo");
        let mut cfg = repo.config().expect("config");
        cfg.set_str("user.name", "\u{410}lice").expect("name");
        let why = seat_for(&repo, "origin", tmp.path()).expect_err("refused");
        assert!(why.contains("mixes scripts"), "{why}");
        cfg.set_str("user.name", "Alice").expect("name");
        let share = seat_for(&repo, "origin", tmp.path()).expect("seat");
        assert!(share.seat.starts_with("alice-"), "{}", share.seat);
    }

    #[test]
    fn a_name_made_to_look_like_another_writes_as_no_one() {
        assert!(writes_as("alice-3f9a", "Alice"));
        assert!(writes_as("alice-smith-3f9a", "Alice Smith"));
        assert!(writes_as("jos-3f9a", "José"));
        assert!(writes_as("seat-3f9a", "Алиса"));
        assert!(writes_as("zo-nguy-n-3f9a", "Zoë Nguyễn"));
        // A Cyrillic А before Latin letters: the seat id keeps "lice", the screen shows "Аlice".
        assert!(!writes_as("lice-3f9a", "\u{410}lice"));
        // Every letter Cyrillic, every one a double of a Latin one.
        assert!(!writes_as(
            "seat-3f9a",
            "\u{430}\u{4cf}\u{456}\u{441}\u{435}"
        ));
        assert!(!writes_as("mallory-0001", "Alice"));
    }
}
