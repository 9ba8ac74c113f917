use super::*;

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

#[test]
fn next_patch_version_edge_cases() {
    assert_eq!(
        next_version(&tags(&["v2.3.4", "v2.3.10", "v2.2.99"]), "v{version}").map(|v| v.to_string()),
        Some("2.3.11".into())
    );
    assert_eq!(next_version(&tags(&[]), "v{version}"), None);
    assert_eq!(
        next_version(&tags(&["nightly", "release-7", "v1.2"]), "v{version}"),
        None,
        "non-semver tags are ignored"
    );
    assert_eq!(
        next_version(
            &tags(&["v2.3.4", "v2.4.0-rc.1", "v3.0.0-beta"]),
            "v{version}"
        )
        .map(|v| v.to_string()),
        Some("2.3.5".into()),
        "pre-releases are not production"
    );
    assert_eq!(
        next_version(&tags(&["api@1.4.2", "v9.9.9"]), "api@{version}").map(|v| v.to_string()),
        Some("1.4.3".into())
    );
}

#[test]
fn test_paths_and_manifest_patterns() {
    for p in [
        "src/auth.test.ts",
        "tests/login.rs",
        "pkg/auth/token_test.go",
        "spec/models/user_spec.rb",
        "__tests__/a.js",
        "test_auth.py",
    ] {
        assert!(is_test_path(p), "{p}");
    }
    for p in ["src/auth.ts", "src/contest.rs", "latest/notes.md"] {
        assert!(!is_test_path(p), "{p}");
    }
    assert!(matches_name("requirements*.txt", "requirements-dev.txt"));
    assert!(!matches_name("requirements*.txt", "requirements.md"));
    assert!(matches_name("Cargo.lock", "Cargo.lock"));
}
