//! The committed `completions/` and `man/` must be exactly what `canvass generate` writes today,
//! so a change to `cli.rs` without regenerating fails here, with the command that fixes it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const GENERATED_DIRS: [&str; 2] = ["completions", "man"];

fn canvass() -> Command {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
}

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `root`'s generated directories, relative to `root`.
fn generated_files(root: &Path) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    files
}

#[test]
fn the_committed_completions_and_man_pages_are_what_generate_writes_today() {
    let fresh = tempfile::tempdir().unwrap();
    let output = canvass()
        .arg("generate")
        .arg(fresh.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "canvass generate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let produced = generated_files(fresh.path());
    assert!(!produced.is_empty(), "canvass generate wrote nothing");
    let committed = generated_files(repository());

    let mut stale = Vec::new();
    for file in &produced {
        let new = std::fs::read(fresh.path().join(file)).unwrap();
        match std::fs::read(repository().join(file)) {
            Ok(old) if old == new => {}
            Ok(_) => stale.push(format!("{} (differs)", file.display())),
            Err(_) => stale.push(format!("{} (missing)", file.display())),
        }
    }
    for file in committed.difference(&produced) {
        stale.push(format!(
            "{} (no longer generated: delete it)",
            file.display()
        ));
    }
    assert!(
        stale.is_empty(),
        "stale generated files:\n  {}\nrun `cargo run -- generate .` and commit the result",
        stale.join("\n  ")
    );
}

#[test]
fn completions_prints_the_committed_bash_script_and_rejects_an_unknown_shell() {
    let output = canvass().args(["completions", "bash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let committed = std::fs::read(repository().join("completions/canvass.bash")).unwrap();
    assert!(
        output.stdout == committed,
        "`canvass completions bash` differs from completions/canvass.bash; \
         run `cargo run -- generate .`"
    );

    let output = canvass()
        .args(["completions", "nosuchshell"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
}
