//! Which GitHub repository the service's remote is, and where its API answers.

/// A repository on GitHub, and the base of its REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub host: String,
    pub owner: String,
    pub name: String,
    /// `https://api.github.com`, `https://HOST/api/v3`, or `[github] api_url`.
    pub api: String,
}

/// The repository a remote URL names: `git@github.com:acme/api.git`,
/// `https://github.com/acme/api`, `ssh://git@github.example.com/acme/api.git`.
/// `api_url` overrides where the API answers (GitHub Enterprise, a test server).
pub fn parse(url: &str, api_url: Option<&str>) -> Result<Repo, String> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let (host, path) = rest
            .split_once('/')
            .ok_or_else(|| format!("the remote {url} names no repository"))?;
        (host.split(':').next().unwrap_or(host), path)
    } else if let Some((user_host, path)) = url.split_once(':') {
        // scp-like: [user@]host:owner/name
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        (host, path)
    } else {
        return Err(format!(
            "the remote {url} is a local path, not a repository on GitHub: open the PR by hand from pr.md"
        ));
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let (Some(owner), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "the remote {url} is not OWNER/REPO on a GitHub host: open the PR by hand from pr.md"
        ));
    };
    let host = host.to_ascii_lowercase();
    let api = match api_url {
        Some(a) => a.trim_end_matches('/').to_string(),
        None if host == "github.com" => "https://api.github.com".into(),
        None if host.contains("github") => format!("https://{host}/api/v3"),
        None => {
            return Err(format!(
                "the remote is on {host}, not on GitHub: open the PR by hand from pr.md (or set [github] api_url for GitHub Enterprise)"
            ));
        }
    };
    Ok(Repo {
        host,
        owner: owner.to_string(),
        name: name.to_string(),
        api,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_remote_names_its_repository() {
        for url in [
            "git@github.com:acme/api.git",
            "https://github.com/acme/api",
            "https://github.com/acme/api.git/",
            "ssh://git@github.com/acme/api.git",
            "https://x-access-token:secret@github.com/acme/api.git",
        ] {
            let r = parse(url, None).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (r.owner.as_str(), r.name.as_str()),
                ("acme", "api"),
                "{url}"
            );
            assert_eq!(r.api, "https://api.github.com");
        }
        let ghe = parse("git@github.example.com:ops/web.git", None).expect("ghe");
        assert_eq!(ghe.api, "https://github.example.com/api/v3");
        let set = parse("git@code.internal:ops/web.git", Some("http://127.0.0.1:9/")).expect("set");
        assert_eq!(set.api, "http://127.0.0.1:9");
    }

    #[test]
    fn a_remote_not_on_github_says_to_use_pr_md() {
        for url in [
            "/srv/git/api.git",
            "git@gitlab.com:acme/api.git",
            "https://github.com/acme",
        ] {
            let e = parse(url, None).expect_err(url);
            assert!(e.contains("pr.md"), "{url}: {e}");
        }
    }
}
