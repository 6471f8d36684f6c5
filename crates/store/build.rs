//! Embeds the numbered SQL files of the workspace's `migrations/` directory.
//!
//! Generates `$OUT_DIR/migrations.rs`, a slice of `include_str!`s in file order, so a
//! new file is picked up without editing code and a gap in the numbering fails the
//! build instead of shipping a schema that skips a step.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../migrations");
    println!("cargo:rerun-if-changed=../../migrations");

    let mut files: Vec<(u32, PathBuf)> = Vec::new();
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let number = stem
            .split('_')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("migrations/{name}: expected NNNN_description.sql"));
        println!("cargo:rerun-if-changed={}", path.display());
        files.push((number, path));
    }
    files.sort();
    for (i, (number, path)) in files.iter().enumerate() {
        let expected = u32::try_from(i).unwrap() + 1;
        assert_eq!(
            *number,
            expected,
            "{}: migrations must be numbered 1, 2, 3, … without gaps or repeats",
            path.display()
        );
    }

    let mut out = String::from("&[\n");
    for (_, path) in &files {
        let path = path.canonicalize().unwrap();
        writeln!(
            out,
            "    M::up(include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("]\n");
    let out_path = PathBuf::from(env::var_os("OUT_DIR").unwrap()).join("migrations.rs");
    fs::write(out_path, out).unwrap();
}
