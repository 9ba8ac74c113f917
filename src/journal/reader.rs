//! The record's reader, whether the incident is kept by one seat or shared by several.

use std::io;

use super::event::Event;
use super::file::{JournalReader, Position, ReadBatch};
use super::seats::{Recorded, SeatsReader, Share};
use super::source::JournalFile;

#[derive(Debug)]
pub enum Reader {
    /// This seat's journal, and nothing else.
    One(JournalReader),
    /// This seat's journal and the other seats' events, in the one order.
    Seats(SeatsReader),
}

impl Reader {
    pub fn read_new(&mut self) -> io::Result<ReadBatch> {
        match self {
            Reader::One(r) => r.read_new(),
            Reader::Seats(r) => r.read_new(),
        }
    }

    /// Whether what was folded before must be dropped: the record is read again from its start.
    pub fn take_restarted(&mut self) -> bool {
        match self {
            Reader::One(r) => r.take_restarted(),
            Reader::Seats(r) => r.take_restarted(),
        }
    }

    /// The event number a late batch was merged from: what was folded from there on must be
    /// dropped, and the batch read holds every event from there.
    pub fn take_rewound(&mut self) -> Option<usize> {
        match self {
            Reader::One(_) => None,
            Reader::Seats(r) => r.take_rewound(),
        }
    }

    /// The fold goes on from here, keeping its state here: a rewind point (see
    /// [`SeatsReader::origin_here`]).
    pub fn origin_here(&mut self) {
        if let Reader::Seats(r) = self {
            r.origin_here();
        }
    }

    /// Reads the whole record again from its start (what was folded must be dropped).
    pub fn read_all_again(&mut self) -> io::Result<ReadBatch> {
        match self {
            Reader::One(r) => {
                *r = JournalReader::new(r.path());
                r.read_new()
            }
            Reader::Seats(r) => r.read_all_again(),
        }
    }

    pub fn read_range(&self, first: usize, count: usize) -> io::Result<Vec<Event>> {
        match self {
            Reader::One(r) => r.read_range(first, count),
            Reader::Seats(r) => r.read_range(first, count),
        }
    }

    pub fn events(&self) -> usize {
        match self {
            Reader::One(r) => r.events(),
            Reader::Seats(r) => r.events(),
        }
    }

    /// How far the one journal was read (a shared record's reading is per seat:
    /// [`SeatsReader::state`]).
    pub fn position(&self) -> Option<&Position> {
        match self {
            Reader::One(r) => Some(r.position()),
            Reader::Seats(_) => None,
        }
    }

    pub fn share(&self) -> Option<&Share> {
        match self {
            Reader::One(_) => None,
            Reader::Seats(r) => Some(r.share()),
        }
    }

    /// Every event read so far, to be read again in order (the documents).
    pub fn source(&self) -> Recorded {
        match self {
            Reader::One(r) => Recorded::One(JournalFile::upto(r.path(), r.position().offset)),
            Reader::Seats(r) => Recorded::Seats(r.source()),
        }
    }
}
