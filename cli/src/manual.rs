//! `claid man`: one manual page for the whole command line.
//!
//! clap_mangen renders one page per command, and its list of subcommands
//! points to pages such as `claid-storages(1)` that nobody installs. This
//! page holds them all instead: the top command's synopsis, description
//! and options, then a COMMANDS section with, for every command down to
//! `claid storages create s3`, its synopsis, what it does and its options;
//! then the environment, the output and the exit statuses from the same
//! text as `--help` (written as man sections, not as one filled paragraph).

use clap::Command;
use clap_mangen::Man;
use roff::{bold, roman, Roff};

use crate::args::{ENVIRONMENT, EXIT_STATUS, OUTPUT};

/// The manual page of `cli` (the whole grammar), as roff.
pub fn page(mut cli: Command) -> std::io::Result<Vec<u8>> {
    // Gives every subcommand its full name ("claid storages list").
    cli.build();
    let man = Man::new(cli.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    let global: Vec<&str> = cli
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().as_str())
        .collect();
    for command in commands(&cli) {
        command_entry(command, &global, &mut page)?;
    }
    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, lines) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(lines.join(" "))]);
    }
    roff.control("SH", ["OUTPUT"]);
    roff.text([roman(OUTPUT.join(" "))]);
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(EXIT_STATUS.join(" "))]);
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Every command under `cli`, depth first in the order of `--help`,
/// without clap's `help` command (the page is the help).
fn commands(cli: &Command) -> Vec<&Command> {
    let mut all = Vec::new();
    for command in cli.get_subcommands() {
        if command.is_hide_set() || command.get_name() == "help" {
            continue;
        }
        all.push(command);
        all.extend(commands(command));
    }
    all
}

/// One command as a subsection: its full name, synopsis, description and
/// options, but not the `global` options (described once, at the top).
/// clap_mangen's sections open with `.SH`; inside this one subsection
/// their headings become plain paragraphs.
fn command_entry(command: &Command, global: &[&str], page: &mut Vec<u8>) -> std::io::Result<()> {
    let name = command.get_bin_name().unwrap_or_else(|| command.get_name());
    let mut roff = Roff::new();
    roff.control("SS", [name]);
    roff.to_writer(&mut *page)?;
    let command = global
        .iter()
        .fold(command.clone(), |c, id| c.mut_arg(*id, |a| a.hide(true)));
    let man = Man::new(command.clone());
    let mut sections = Vec::new();
    man.render_synopsis_section(&mut sections)?;
    man.render_description_section(&mut sections)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut sections)?;
    }
    let sections = String::from_utf8_lossy(&sections);
    for line in sections.lines() {
        match line.strip_prefix(".SH ") {
            Some("SYNOPSIS") | Some("DESCRIPTION") => page.extend_from_slice(b".PP\n"),
            Some(heading) => {
                let mut roff = Roff::new();
                roff.control("PP", []);
                roff.text([bold(format!("{}:", title_case(heading)))]);
                roff.to_writer(&mut *page)?;
            }
            None => {
                page.extend_from_slice(line.as_bytes());
                page.push(b'\n');
            }
        }
    }
    Ok(())
}

/// `OPTIONS` as `Options`.
fn title_case(heading: &str) -> String {
    let heading = heading.trim_matches('"').to_lowercase();
    let mut chars = heading.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => heading,
    }
}
