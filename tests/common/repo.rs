//! Real git repositories in temp dirs: a bare `origin` and a clone with history, tags and
//! release branches, built with libgit2.

use std::path::{Path, PathBuf};

use git2::{BranchType, Repository, Signature};

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub work: PathBuf,
    pub origin: PathBuf,
}

const AUTHOR: (&str, &str) = ("Dev One", "dev@example.com");
const COMMIT_TIME: i64 = 1_767_261_600;

fn sig() -> Signature<'static> {
    Signature::new(AUTHOR.0, AUTHOR.1, &git2::Time::new(COMMIT_TIME, 0)).expect("sig")
}

impl TestRepo {
    /// main with three commits (tagged v2.3.3 and v2.3.4), release-candidate and develop
    /// branched from it; develop later rewrites the token check. Everything pushed to origin.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tmp");
        let origin = dir.path().join("origin.git");
        let work = dir.path().join("service");
        Repository::init_bare(&origin)
            .expect("bare")
            .set_head("refs/heads/main")
            .expect("origin head");
        let repo = Repository::init(&work).expect("init");
        repo.set_head("refs/heads/main").expect("head");
        {
            let mut cfg = repo.config().expect("config");
            cfg.set_str("user.name", "Dev One").expect("name");
            cfg.set_str("user.email", "dev@example.com").expect("email");
        }
        repo.remote("origin", origin.to_str().expect("path"))
            .expect("remote");
        let t = TestRepo { dir, work, origin };
        t.write(
            "package.json",
            "{\n  \"name\": \"api\",\n  \"version\": \"2.3.4\"\n}\n",
        );
        t.write(
            "src/auth.ts",
            "export function check(token) {\n  if (!token) return false;\n  return true;\n}\n",
        );
        t.write(
            "tests/auth.test.ts",
            "test('no token', () => expect(check()).toBe(false));\n",
        );
        t.commit("feat: auth");
        t.tag("v2.3.3");
        t.write("README.md", "# api\n");
        t.commit("docs: readme");
        t.write("src/users.ts", "export const users = [];\n");
        let c = t.commit("feat: users");
        t.tag("v2.3.4");
        t.branch_at("release-candidate", c);
        t.branch_at("develop", c);
        t.push(&[
            "refs/heads/main",
            "refs/heads/release-candidate",
            "refs/heads/develop",
            "refs/tags/v2.3.3",
            "refs/tags/v2.3.4",
        ]);
        t.fetch();
        t
    }

    pub fn repo(&self) -> Repository {
        Repository::open(&self.work).expect("open")
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.work.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.work.join(path)).expect("read")
    }

    /// Stages everything and commits on HEAD.
    pub fn commit(&self, message: &str) -> git2::Oid {
        warroom::demo::repo::commit(&self.repo(), message, AUTHOR, COMMIT_TIME).expect("commit")
    }

    pub fn tag(&self, name: &str) {
        let repo = self.repo();
        let head = repo.head().expect("head").peel_to_commit().expect("commit");
        repo.tag(name, head.as_object(), &sig(), name, false)
            .expect("tag");
    }

    pub fn branch_at(&self, name: &str, at: git2::Oid) {
        let repo = self.repo();
        repo.branch(name, &repo.find_commit(at).expect("c"), true)
            .expect("branch");
    }

    /// Commits on another branch without touching the working tree.
    pub fn commit_on(&self, branch: &str, path: &str, text: &str, message: &str) -> git2::Oid {
        let repo = self.repo();
        let tip = repo
            .find_branch(branch, BranchType::Local)
            .expect("branch")
            .get()
            .peel_to_commit()
            .expect("c");
        // The tip's tree with one file replaced.
        let mut index = git2::Index::new().expect("index");
        index.read_tree(&tip.tree().expect("tree")).expect("read");
        let blob = repo.blob(text.as_bytes()).expect("blob");
        let entry = git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: text.len() as u32,
            id: blob,
            flags: 0,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        };
        index.add(&entry).expect("add");
        let tree = repo
            .find_tree(index.write_tree_to(&repo).expect("tree"))
            .expect("tree");
        let id = repo
            .commit(None, &sig(), &sig(), message, &tree, &[&tip])
            .expect("commit");
        repo.find_branch(branch, BranchType::Local)
            .expect("b")
            .get_mut()
            .set_target(id, "test")
            .expect("set");
        id
    }

    pub fn push(&self, refs: &[&str]) {
        let repo = self.repo();
        let mut remote = repo.find_remote("origin").expect("origin");
        let specs: Vec<String> = refs.iter().map(|r| format!("+{r}:{r}")).collect();
        remote.push(&specs, None).expect("push");
    }

    pub fn fetch(&self) {
        let repo = self.repo();
        let mut remote = repo.find_remote("origin").expect("origin");
        remote
            .fetch(&["+refs/heads/*:refs/remotes/origin/*"], None, None)
            .expect("fetch");
    }

    pub fn head_name(&self) -> String {
        self.repo()
            .head()
            .expect("head")
            .name()
            .expect("name")
            .to_string()
    }

    pub fn tip(&self, branch: &str) -> git2::Oid {
        self.repo()
            .find_branch(branch, BranchType::Local)
            .expect("branch")
            .get()
            .peel_to_commit()
            .expect("c")
            .id()
    }

    /// Everything a failed operation must leave as it was: HEAD, every ref, the index file and
    /// every file of the working tree, byte for byte.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let repo = self.repo();
        out.push((
            "HEAD".into(),
            std::fs::read(self.work.join(".git/HEAD")).expect("HEAD"),
        ));
        out.push((
            "index".into(),
            std::fs::read(self.work.join(".git/index")).unwrap_or_default(),
        ));
        for r in repo.references().expect("refs").flatten() {
            out.push((
                r.name().expect("n").to_string(),
                r.target()
                    .map(|t| t.as_bytes().to_vec())
                    .unwrap_or_default(),
            ));
        }
        fn files(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).expect("dir").flatten() {
                let p = e.path();
                if p.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                if p.is_dir() {
                    files(&p, root, out);
                } else {
                    out.push((
                        p.strip_prefix(root).expect("rel").display().to_string(),
                        std::fs::read(&p).expect("read"),
                    ));
                }
            }
        }
        files(&self.work, &self.work, &mut out);
        out.sort();
        out
    }
}
