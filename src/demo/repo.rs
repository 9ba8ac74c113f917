//! The demo's service: a repository with a realistic history, tags and release branches, a
//! bare `origin`, and the scripts its checks, deploy and rollback run.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use git2::{IndexAddOption, Repository, Signature, Time};

const SCRIPTS: &[(&str, &str)] = &[
    ("test.sh", include_str!("../../assets/demo/test.sh")),
    (
        "typecheck.sh",
        include_str!("../../assets/demo/typecheck.sh"),
    ),
    ("build.sh", include_str!("../../assets/demo/build.sh")),
    ("deploy.sh", include_str!("../../assets/demo/deploy.sh")),
    ("rollback.sh", include_str!("../../assets/demo/rollback.sh")),
];

pub const VERIFY_TOKEN: &str = "src/auth/verifyToken.ts";
pub const VERIFY_TEST: &str = "tests/auth/verifyToken.test.ts";

const BUGGY: &str = "import { decode } from './jwt';\n\nexport function verifyToken(raw: string) {\n  const token = decode(raw);\n  if (!token) return null;\n  // Tokens minted by the old SSO bridge carry no iat.\n  if (token.iat && token.exp < Date.now() / 1000) return null;\n  return token;\n}\n";
pub const FIXED: &str = "import { decode } from './jwt';\n\nexport function verifyToken(raw: string) {\n  const token = decode(raw);\n  if (!token) return null;\n  // Root cause (DEMO-1337): the expiry was only checked when the token had an iat.\n  if (!token.exp || token.exp < Date.now() / 1000) return null;\n  return token;\n}\n";
const TEST: &str = "import { verifyToken } from '../../src/auth/verifyToken';\n\ntest('rejects garbage', () => expect(verifyToken('x')).toBeNull());\n";
pub const TEST_FIXED: &str = "import { verifyToken } from '../../src/auth/verifyToken';\n\ntest('rejects garbage', () => expect(verifyToken('x')).toBeNull());\n\n// DEMO-1337: expired tokens without iat were accepted.\ntest('rejects an expired token without iat', () => {\n  expect(verifyToken(sign({ sub: 'u1', exp: 1 }))).toBeNull();\n});\n";

fn write(root: &Path, path: &str, text: &str) -> Result<(), String> {
    let p = root.join(path);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    std::fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))
}

/// Stages everything and commits on HEAD as `who` at `days_ago`.
pub fn commit(
    repo: &Repository,
    message: &str,
    who: (&str, &str),
    at: i64,
) -> Result<git2::Oid, git2::Error> {
    let sig = Signature::new(who.0, who.1, &Time::new(at, 0))?;
    let mut index = repo.index()?;
    index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
    index.update_all(["*"], None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
}

/// Builds `dir/origin.git` and `dir/accounts-api`; returns the working repository's path.
pub fn build(dir: &Path, now: i64) -> Result<std::path::PathBuf, String> {
    let e = |e: git2::Error| e.message().to_string();
    let origin = dir.join("origin.git");
    let work = dir.join("accounts-api");
    Repository::init_bare(&origin)
        .map_err(e)?
        .set_head("refs/heads/main")
        .map_err(e)?;
    let repo = Repository::init(&work).map_err(e)?;
    repo.set_head("refs/heads/main").map_err(e)?;
    {
        let mut cfg = repo.config().map_err(e)?;
        cfg.set_str("user.name", "Sam Rivera (on call)")
            .map_err(e)?;
        cfg.set_str("user.email", "sam@acme.example").map_err(e)?;
    }
    repo.remote("origin", &origin.to_string_lossy())
        .map_err(e)?;
    let day = 86_400;
    let (ana, kofi, mei) = (
        ("Ana Lima", "ana@acme.example"),
        ("Kofi Mensah", "kofi@acme.example"),
        ("Mei Chen", "mei@acme.example"),
    );
    write(
        &work,
        "package.json",
        "{\n  \"name\": \"accounts-api\",\n  \"version\": \"2.3.2\",\n  \"scripts\": { \"test\": \"vitest run\", \"build\": \"next build\" }\n}\n",
    )?;
    write(
        &work,
        "README.md",
        "# accounts-api\n\nSessions, accounts and billing.\n",
    )?;
    write(
        &work,
        "src/auth/jwt.ts",
        "export const decode = (raw: string) => { try { return JSON.parse(atob(raw.split('.')[1])); } catch { return null; } };\n",
    )?;
    write(&work, VERIFY_TOKEN, BUGGY)?;
    write(&work, VERIFY_TEST, TEST)?;
    write(
        &work,
        "src/routes/session.ts",
        "import { verifyToken } from '../auth/verifyToken';\nexport const session = (req) => verifyToken(req.headers.authorization?.slice(7) ?? '');\n",
    )?;
    for (name, text) in SCRIPTS {
        write(&work, &format!("scripts/{name}"), text)?;
        let p = work.join("scripts").join(name);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
    }
    commit(&repo, "feat: sessions and accounts", ana, now - 40 * day).map_err(e)?;
    tag(&repo, "v2.3.2", ana, now - 40 * day)?;
    write(
        &work,
        "src/routes/account.ts",
        "export const account = (s) => ({ id: s.sub });\n",
    )?;
    commit(
        &repo,
        "feat(account): account endpoint",
        kofi,
        now - 30 * day,
    )
    .map_err(e)?;
    write(
        &work,
        "package.json",
        "{\n  \"name\": \"accounts-api\",\n  \"version\": \"2.3.3\",\n  \"scripts\": { \"test\": \"vitest run\", \"build\": \"next build\" }\n}\n",
    )?;
    commit(&repo, "chore(release): 2.3.3", kofi, now - 21 * day).map_err(e)?;
    tag(&repo, "v2.3.3", kofi, now - 21 * day)?;
    write(
        &work,
        "src/auth/sso.ts",
        "// The old SSO bridge mints tokens without iat.\nexport const bridge = true;\n",
    )?;
    commit(
        &repo,
        "feat(auth): accept tokens from the SSO bridge",
        mei,
        now - 9 * day,
    )
    .map_err(e)?;
    write(
        &work,
        "package.json",
        "{\n  \"name\": \"accounts-api\",\n  \"version\": \"2.3.4\",\n  \"scripts\": { \"test\": \"vitest run\", \"build\": \"next build\" }\n}\n",
    )?;
    let release = commit(&repo, "chore(release): 2.3.4", mei, now - 2 * day).map_err(e)?;
    tag(&repo, "v2.3.4", mei, now - 2 * day)?;
    let at = repo.find_commit(release).map_err(e)?;
    repo.branch("release-candidate", &at, false).map_err(e)?;
    repo.branch("develop", &at, false).map_err(e)?;
    let mut remote = repo.find_remote("origin").map_err(e)?;
    let refs = [
        "refs/heads/main",
        "refs/heads/release-candidate",
        "refs/heads/develop",
        "refs/tags/v2.3.2",
        "refs/tags/v2.3.3",
        "refs/tags/v2.3.4",
    ];
    let specs: Vec<String> = refs.iter().map(|r| format!("{r}:{r}")).collect();
    remote.push(&specs, None).map_err(e)?;
    remote
        .fetch(&["+refs/heads/*:refs/remotes/origin/*"], None, None)
        .map_err(e)?;
    Ok(work)
}

fn tag(repo: &Repository, name: &str, who: (&str, &str), at: i64) -> Result<(), String> {
    let e = |e: git2::Error| e.message().to_string();
    let head = repo.head().map_err(e)?.peel_to_commit().map_err(e)?;
    let sig = Signature::new(who.0, who.1, &Time::new(at, 0)).map_err(e)?;
    repo.tag(
        name,
        head.as_object(),
        &sig,
        &format!("Release {name}"),
        false,
    )
    .map_err(e)?;
    Ok(())
}
