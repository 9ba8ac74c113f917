//! The commander role of an incident shared through NATS: a key-value entry
//! (`warroom_ORG` bucket, key `TICKET.commander`) that names the holding seat and is only
//! ever changed by compare-and-swap. Two seats taking it at once: the server stores the first,
//! the second is told who holds it; a handoff is one revision, from the holder to the next.

use async_nats::jetstream::{self, kv};

use crate::config::ShareConfig;

/// The organisation's bucket of roles.
fn bucket(org: &str) -> String {
    format!("warroom_{org}")
}

fn key(ticket: &str) -> String {
    format!("{ticket}.commander")
}

/// The bucket, made when it is not there yet. Its stream is made as a key-value bucket's is
/// (NATS's ADR-8) rather than through the client's bucket creation, which asks the account's
/// limits in a shape servers before 2.10 do not answer.
async fn store(js: &jetstream::Context, cfg: &ShareConfig) -> Result<kv::Store, String> {
    use jetstream::stream;
    let name = bucket(&cfg.org);
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{name}"),
        description: Some("warroom: who holds each incident's roles".into()),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 16,
        discard: stream::DiscardPolicy::New,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        storage: stream::StorageType::File,
        num_replicas: cfg.replicas,
        duplicate_window: std::time::Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| super::in_words(&e.to_string()))?;
    js.get_key_value(name)
        .await
        .map_err(|e| super::in_words(&e.to_string()))
}

/// Who holds the role after a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This seat took it (or already held it), at this revision.
    Taken(u64),
    /// Another seat holds it.
    Held(String),
}

/// Takes the commander role for `seat` when no seat holds it.
pub async fn claim(
    js: &jetstream::Context,
    cfg: &ShareConfig,
    ticket: &str,
    seat: &str,
) -> Result<Claim, String> {
    let kv = store(js, cfg).await?;
    match kv.create(key(ticket), seat.to_string().into()).await {
        Ok(rev) => Ok(Claim::Taken(rev)),
        Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
            holder(&kv, ticket).await.map(|h| match h {
                Some((s, rev)) if s == seat => Claim::Taken(rev),
                Some((s, _)) => Claim::Held(s),
                None => Claim::Held(String::new()),
            })
        }
        Err(e) => Err(super::in_words(&e.to_string())),
    }
}

async fn holder(kv: &kv::Store, ticket: &str) -> Result<Option<(String, u64)>, String> {
    let entry = kv
        .entry(key(ticket))
        .await
        .map_err(|e| super::in_words(&e.to_string()))?;
    Ok(entry
        .filter(|e| e.operation == kv::Operation::Put)
        .map(|e| (String::from_utf8_lossy(&e.value).into_owned(), e.revision)))
}

/// The seat that holds the role on the server, if one does.
pub async fn held_by(
    js: &jetstream::Context,
    cfg: &ShareConfig,
    ticket: &str,
) -> Result<Option<String>, String> {
    let kv = store(js, cfg).await?;
    Ok(holder(&kv, ticket).await?.map(|(s, _)| s))
}

/// Moves the role to `to`, as this seat's record now says (an accepted handoff, an
/// assignment), in one revision from the one read: refused when another change came first.
pub async fn follow(
    js: &jetstream::Context,
    cfg: &ShareConfig,
    ticket: &str,
    to: &str,
) -> Result<u64, String> {
    let kv = store(js, cfg).await?;
    let rev = match holder(&kv, ticket).await? {
        Some((held, rev)) if held == to => return Ok(rev),
        Some((_, rev)) => rev,
        None => return claim_for(&kv, ticket, to).await,
    };
    kv.update(key(ticket), to.to_string().into(), rev)
        .await
        .map_err(|e| match e.kind() {
            kv::UpdateErrorKind::WrongLastRevision => format!(
                "the commander role changed on the server while it was handed to {to}: the server keeps the other change"
            ),
            _ => super::in_words(&e.to_string()),
        })
}

async fn claim_for(kv: &kv::Store, ticket: &str, to: &str) -> Result<u64, String> {
    kv.create(key(ticket), to.to_string().into())
        .await
        .map_err(|e| match e.kind() {
            kv::CreateErrorKind::AlreadyExists => {
                format!("another seat took the commander role on the server before {to}")
            }
            _ => super::in_words(&e.to_string()),
        })
}
