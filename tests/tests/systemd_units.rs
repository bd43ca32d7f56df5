//! The systemd units in `deploy/systemd/` are ones systemd accepts: `systemd-analyze verify`
//! (which reads their drop-ins in `deploy/systemd/<unit>.d/` too, such as the server's HTTPS one)
//! finds nothing wrong but the programs not being installed on this machine.

use std::process::Command;

use end_to_end::workspace;

#[test]
fn systemd_accepts_the_units() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        assert!(
            std::env::var("FLEET_REQUIRE_SYSTEMD").is_err(),
            "FLEET_REQUIRE_SYSTEMD is set but systemd-analyze is missing (Debian package systemd)"
        );
        eprintln!("skipped: systemd-analyze is not installed (./scripts/test installs it)");
        return;
    };
    assert!(version.status.success());
    for unit in ["fleet-server.service", "fleet-agent.service", "kiosk.service"] {
        let path = workspace().join("deploy/systemd").join(unit);
        let output =
            Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        let problems: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .filter(|line| !line.contains("is not executable: No such file or directory"))
            .collect();
        assert!(problems.is_empty(), "{unit}: {problems:#?}");
    }
}
