//! The standalone `orm-migrate` binary.

/// The standalone binary runs the commands that need no models and refuses the others clearly.
#[test]
fn the_standalone_binary_needs_no_application() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let bin = env!("CARGO_BIN_EXE_orm-migrate");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", "sqlite:///standalone.db")
            .output()
    };
    let init = run(&["init"])?;
    assert!(init.status.success(), "{init:?}");
    assert!(dir.path().join("migrations/versions").is_dir());
    let current = run(&["current"])?;
    assert!(current.status.success(), "{current:?}");
    let migrate = run(&["migrate", "-m", "x"])?;
    assert_eq!(migrate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&migrate.stderr).contains("needs the application's models"));
    Ok(())
}
