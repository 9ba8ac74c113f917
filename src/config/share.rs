//! `[share]`: many seats on one incident, through the service's git remote or NATS JetStream.

use super::*;

/// Many seats on one incident, through the service's git remote (or NATS JetStream).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShareConfig {
    /// Share every incident opened in this repository (as `open --share`).
    pub enabled: bool,
    /// The remote the seats' refs go to (`refs/warroom/TICKET/SEAT`).
    pub remote: String,
    /// How often the other seats' refs are listed (a fetch only when one moved).
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub poll_interval: Duration,
    /// How long `warroom note` and `event` wait for the remote when no console pushes for them.
    #[serde(deserialize_with = "duration", serialize_with = "show_duration")]
    pub timeout: Duration,
    /// What carries the events: `git` (the remote above) or `nats` (JetStream).
    pub backend: crate::journal::Backend,
    /// The NATS servers (`nats://host:4222`, `tls://…`): one, or a list for a cluster.
    #[serde(deserialize_with = "nats_urls")]
    pub url: Vec<String>,
    /// The organisation: every incident of it is under `warroom.ORG.` on the server.
    #[serde(deserialize_with = "nats_org")]
    pub org: String,
    /// A NATS credentials file (`.creds`: the user's JWT and nkey seed).
    pub credentials: Option<PathBuf>,
    /// A file holding an nkey seed (`SU…`), for servers that know users by nkey.
    pub nkey: Option<PathBuf>,
    /// The variable holding a token, for servers that take one.
    pub token_env: String,
    pub token_command: Option<String>,
    /// A CA file the server's certificate is verified against (else the system's roots).
    pub tls_ca: Option<PathBuf>,
    /// The JetStream domain the streams are in (for a leaf node that uses its hub's JetStream).
    pub domain: Option<String>,
    /// How many servers of a JetStream cluster keep each incident's stream (1 to 5).
    #[serde(deserialize_with = "nats_replicas")]
    pub replicas: usize,
}

impl Default for ShareConfig {
    fn default() -> Self {
        ShareConfig {
            enabled: false,
            remote: "origin".into(),
            poll_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
            backend: crate::journal::Backend::Git,
            url: vec!["nats://127.0.0.1:4222".into()],
            org: "default".into(),
            credentials: None,
            nkey: None,
            token_env: "NATS_TOKEN".into(),
            token_command: None,
            tls_ca: None,
            domain: None,
            replicas: 1,
        }
    }
}
