//! The timeline pane's rows. The newest events come with the fold; older ones are read from the
//! journal when they are scrolled to, a few screens at a time, so the cost of a frame and the
//! memory held do not depend on the length of the incident.

use super::model::Model;
use super::msg::Effect;
use crate::journal::Event;

/// Older events read from the journal: `events[i]` is event number `first + i`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub first: usize,
    pub events: Vec<Event>,
}

/// Scroll position of the timeline, and the older events read for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// `0` follows the newest event.
    pub from_bottom: usize,
    pub page: Page,
    /// The page last asked for, so a failed read is not asked for again and again.
    asked: Option<usize>,
}

/// Event number `n` (0 is the oldest), if it is in memory.
pub fn event(m: &Model, n: usize) -> Option<&Event> {
    m.incident.recent_event(n).or_else(|| {
        let p = &m.timeline.page;
        n.checked_sub(p.first).and_then(|i| p.events.get(i))
    })
}

/// The numbers of the events a pane of `height` rows shows, oldest first; scrolled to the
/// top, the pane is full from the first event down.
pub fn visible(m: &Model, height: usize) -> std::ops::Range<usize> {
    let count = m.incident.count;
    let end = count
        .saturating_sub(m.timeline.from_bottom)
        .max(height.min(count));
    end.saturating_sub(height)..end
}

/// Asks for the events the pane will show when they are not in memory: the screen's height
/// (the pane is never taller) around the visible rows, and the same again on either side.
pub fn window(m: &mut Model) -> Option<Effect> {
    let height = usize::from(m.size.1).max(1);
    let shown = visible(m, height);
    if shown.clone().all(|n| event(m, n).is_some()) {
        return None;
    }
    let first = shown.start.saturating_sub(height);
    if m.timeline.asked == Some(first) {
        return None;
    }
    m.timeline.asked = Some(first);
    Some(Effect::ReadTimeline {
        first,
        count: 3 * height,
    })
}

/// The events read for the page.
pub fn on_page(m: &mut Model, first: usize, events: Vec<Event>) {
    m.timeline.page = Page { first, events };
}
