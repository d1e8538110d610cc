//! `mismoctl man DIR`: the man pages an installation ships, generated from
//! the same command lines `--help` prints, so they never disagree.

use std::path::Path;

use mismo_core::config::usage;

use super::CommandFailed;

/// mismoctl and its subcommands in section 1, as Postfix's postqueue(1); the
/// services in section 8, as its daemons.
pub fn write(mismoctl: clap::Command, dir: &Path) -> Result<(), CommandFailed> {
    let fail = |e: std::io::Error| CommandFailed(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    clap_mangen::generate_to(mismoctl, dir).map_err(fail)?;
    for service in usage::service_commands() {
        let path = dir.join(format!("{}.8", service.get_name()));
        let mut page = Vec::new();
        clap_mangen::Man::new(service)
            .section("8")
            .render(&mut page)
            .map_err(fail)?;
        std::fs::write(&path, page).map_err(fail)?;
    }
    Ok(())
}
