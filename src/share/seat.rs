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
/// made from, so no seat writes as another.
pub fn writes_as(seat: &str, by: &str) -> bool {
    seat.rsplit_once('-')
        .is_some_and(|(person, _)| person == person_of(by))
}

/// A seat id as it may appear in a ref: lowercase letters, digits and hyphens.
pub fn valid_seat(seat: &str) -> bool {
    !seat.is_empty()
        && seat.len() <= 40
        && seat
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
