//! One example of every secret shape named in docs/secrets.md, as commands print them.

/// (what the command prints, the secret in it). Made-up examples, none a real secret.
pub const PLANTED: &[(&str, &str)] = &[
    (
        "auth sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_abcdefXYZ",
        "sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_abcdefXYZ",
    ),
    (
        "push ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    (
        "app ghs_b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5Q6r7S8",
        "ghs_b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5Q6r7S8",
    ),
    (
        "pat github_pat_11ABCDEFG0123456789_abcdefXYZ",
        "github_pat_11ABCDEFG0123456789_abcdefXYZ",
    ),
    (
        "gitlab glpat-a1B2c3D4e5F6g7H8i9J0",
        "glpat-a1B2c3D4e5F6g7H8i9J0",
    ),
    (
        "//registry.npmjs.org/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    (
        "twine pypi-AgEIcHlwaS5vcmcCJGExYjJjM2Q0LWU1ZjYtNzg5MC1hYmNkLWVmMDEyMzQ1Njc4OQACJXsi",
        "pypi-AgEIcHlwaS5vcmcCJGExYjJjM2Q0LWU1ZjYtNzg5MC1hYmNkLWVmMDEyMzQ1Njc4OQACJXsi",
    ),
    (
        "slack xoxb-1234567890-abcdefghijKLMN",
        "xoxb-1234567890-abcdefghijKLMN",
    ),
    (
        "hook https://hooks.slack.com/services/T0001/B0001/XXXXplanted",
        "hooks.slack.com/services/T0001/B0001/XXXXplanted",
    ),
    (
        "stripe sk_live_51H8exampleexampleexample",
        "sk_live_51H8exampleexampleexample",
    ),
    (
        "stripe rk_live_51H8exampleexampleexample",
        "rk_live_51H8exampleexampleexample",
    ),
    (
        "maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ),
    ("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "> Authorization: Bearer abc.def.ghi123XYZplanted",
        "abc.def.ghi123XYZplanted",
    ),
    (
        "> Authorization: Basic dXNlcjpwYXNzd29yZHBsYW50ZWQ=",
        "dXNlcjpwYXNzd29yZHBsYW50ZWQ=",
    ),
    (
        "git clone https://deploy:pa55w0rd-planted@github.com/org/repo",
        "pa55w0rd-planted",
    ),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUplanted\nQyNTUxOQAAACBexampleexampleplanted\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUplanted",
    ),
    (
        "env value hunter2-planted-secret in use",
        "hunter2-planted-secret",
    ),
    // Shapes deploy tools print that no list named before (issue 26).
    (
        "stripe listen: Ready! Your webhook signing secret is whsec_5f8Gh2Kd9Lq3Mn7Pr1St4Vw6Xz0Ab2C",
        "whsec_5f8Gh2Kd9Lq3Mn7Pr1St4Vw6Xz0Ab2C",
    ),
    (
        "mail: using SG.aBcD1234eFgH5678iJkL90.MnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRs",
        "SG.aBcD1234eFgH5678iJkL90.MnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRs",
    ),
    (
        "twilio key SK7c3f9a2b4e6d8f0a1c3e5b7d9f2a4c6e",
        "SK7c3f9a2b4e6d8f0a1c3e5b7d9f2a4c6e",
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=q8Zf3Xk2Lm9Pw4Rt7Yv1Bn6Hc0Jd5Ge8Ks2Ma4Qw7Er1Ty9Ui3Op6As5Df8Gh2Jk4Lz7Xc9Vb1Nm3==;EndpointSuffix=core.windows.net",
        "q8Zf3Xk2Lm9Pw4Rt7Yv1Bn6Hc0Jd5Ge8Ks2Ma4Qw7Er1Ty9Ui3Op6As5Df8Gh2Jk4Lz7Xc9Vb1Nm3==",
    ),
    (
        "//registry.npmjs.org/:_authToken=4f9c2a1e-7b3d-4c8e-9f1a-2b3c4d5e6f70",
        "4f9c2a1e-7b3d-4c8e-9f1a-2b3c4d5e6f70",
    ),
    (
        "+ export DD_API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ),
    (
        "+ VERCEL_TOKEN=Xk2Lm9Pw4Rt7Yv1Bn6Hc0Jd5 vercel deploy --prod",
        "Xk2Lm9Pw4Rt7Yv1Bn6Hc0Jd5",
    ),
    (
        "HEROKU_API_KEY=5a8e3c1f-2b7d-4e9a-8c6f-1d2e3f4a5b6c heroku releases",
        "5a8e3c1f-2b7d-4e9a-8c6f-1d2e3f4a5b6c",
    ),
];
