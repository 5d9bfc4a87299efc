//! The architecture, checked: each external crate stays in its room and the layers only
//! depend downwards (STYLE.md §2.1, "Rooms and walls").

use std::fs;
use std::path::{Path, PathBuf};

/// (crate, the only files under `src/` that may name it; a path ending in `/` is a folder)
const ROOMS: &[(&str, &[&str])] = &[
    // The public server, and the metrics listener: a second, small server of its own.
    ("tiny_http", &["server/http.rs", "server/metrics/scrape.rs"]),
    ("prometheus_client", &["server/metrics/"]),
    ("tracing_subscriber", &["server/logging.rs"]),
    ("rusqlite", &["server/store/sqlite/", "client/cache.rs"]),
    // store/mod.rs declares the `postgres` module, which this scan cannot tell from the crate.
    (
        "postgres",
        &["server/store/postgres/", "server/store/mod.rs"],
    ),
    ("r2d2", &["server/store/postgres/pool.rs"]),
    ("argon2", &["server/password.rs"]),
    ("jsonwebtoken", &["server/token.rs"]),
    ("signal_hook", &["server/mod.rs", "client/prompt.rs"]),
    ("thread_priority", &["server/http.rs"]),
    ("rlimit", &["server/http.rs"]),
    ("reqwest", &["client/api.rs"]),
    ("keyring", &["client/credentials/keyring.rs"]),
    // mod.rs names keyring-core too: `CredentialError::Keyring` carries its error.
    ("keyring_core", &["client/credentials/"]),
    ("linux_keyutils", &["client/credentials/keyring.rs"]),
    (
        "linux_keyutils_keyring_store",
        &["client/credentials/keyring.rs"],
    ),
    ("dialoguer", &["client/prompt.rs"]),
    ("toml", &["client/config.rs"]),
    // Times on the wire are the domain's `Timestamp`; the client's renderer shows them.
    ("jiff", &["client/render.rs", "domain/settings.rs"]),
    (
        "sha2",
        &["server/invitation_code.rs", "server/web/signer.rs"],
    ),
    // The web pages' markup, escaped by construction, checked at compile time.
    ("maud", &["server/web/"]),
    ("hmac", &["server/web/signer.rs"]),
    ("qrcode", &["client/commands/survey/share.rs"]),
    ("hex", &["server/invitation_code.rs"]),
    ("unicode_width", &["client/render/table.rs"]),
    ("base64", &["client/jwt.rs", "server/web/signer.rs"]),
    ("clap_mangen", &["generate.rs"]),
    // Schemas derive on the wire types; the document is assembled in one place.
    ("utoipa", &["protocol/", "server/openapi.rs"]),
    ("form_urlencoded", &["server/http.rs"]),
    ("unicode_normalization", &["domain/user.rs"]),
    // `cli.rs` names the Shell value type; the scripts are written in generate.rs.
    ("clap_complete", &["generate.rs", "cli.rs"]),
];

/// Who may write to stdout: the client's renderer, the generator, the server's one
/// "listening on" line, and the admin commands' reports (copy-db's table of counts, backup,
/// check, and `admin users`' one writer, `say`). Anything else printing would corrupt
/// `--json` output.
const STDOUT_WRITERS: &[&str] = &[
    "client/render.rs",
    "generate.rs",
    "server/mod.rs",
    "server/copy_db.rs",
    "server/backup.rs",
    "server/check.rs",
    "server/users/mod.rs",
];

/// (folder, modules it must not use)
const WALLS: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "crate::protocol",
            "crate::server",
            "crate::cli",
            "crate::client",
        ],
    ),
    (
        "protocol",
        &["crate::server", "crate::cli", "crate::client"],
    ),
    ("server", &["crate::client"]),
    ("client", &["crate::server"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// Whether `text` uses `name` as a path (`name::` or `use name`), ignoring comments.
fn names(text: &str, name: &str) -> bool {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .any(|code| code.contains(&format!("{name}::")) || code.contains(&format!("use {name}")))
}

#[test]
fn each_external_crate_stays_in_its_room() {
    let mut escapes = Vec::new();
    for (file, text) in sources() {
        for (krate, rooms) in ROOMS {
            let inside = rooms
                .iter()
                .any(|room| file == *room || (room.ends_with('/') && file.starts_with(room)));
            if names(&text, krate) && !inside {
                escapes.push(format!("{file} uses {krate} (allowed only in {rooms:?})"));
            }
        }
    }
    assert!(
        escapes.is_empty(),
        "crates out of their rooms:\n{}",
        escapes.join("\n")
    );
}

#[test]
fn layers_only_depend_downwards() {
    let mut breaches = Vec::new();
    for (file, text) in sources() {
        for (folder, forbidden) in WALLS {
            if !file.starts_with(&format!("{folder}/")) {
                continue;
            }
            for module in *forbidden {
                if names(&text, module) {
                    breaches.push(format!("{file} uses {module}"));
                }
            }
        }
    }
    assert!(
        breaches.is_empty(),
        "layering broken:\n{}",
        breaches.join("\n")
    );
}

#[test]
fn only_the_renderer_writes_to_stdout() {
    let writers: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| {
            text.lines()
                .map(|line| line.split("//").next().unwrap_or(""))
                .any(|code| {
                    code.contains("stdout()") || code.replace("eprintln!", "").contains("println!")
                })
        })
        .map(|(file, _)| file)
        .filter(|file| !STDOUT_WRITERS.contains(&file.as_str()))
        .collect();
    assert!(
        writers.is_empty(),
        "stdout written outside its owners: {writers:?}"
    );
}

#[test]
fn the_scan_sees_the_files_it_guards() {
    let files: Vec<String> = sources().into_iter().map(|(f, _)| f).collect();
    for (_, rooms) in ROOMS {
        for room in *rooms {
            assert!(
                files.iter().any(|f| f.starts_with(room)),
                "{room} is gone; update ROOMS"
            );
        }
    }
}
