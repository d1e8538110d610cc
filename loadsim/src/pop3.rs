//! A POP3 reader (RFC 1939): every `pop3_poll` seconds it logs in, retrieves
//! and deletes every message, and quits. Copies count as found only once
//! QUIT has committed their deletion, so a session that breaks half-way
//! finds them again next time without counting them twice.

use std::sync::Arc;

use crate::ledger::Fault;
use crate::message::{check, Copy};
use crate::wire::{SessionEnd, Wire, WireResult};
use crate::Run;

pub async fn read(run: Arc<Run>, mailbox: u32) {
    let pause = std::time::Duration::from_secs_f64(run.args.pop3_poll);
    run.stagger(u64::from(mailbox)).await;
    loop {
        let finishing = run.drained();
        match session(&run, mailbox).await {
            Ok(found) => run.ledger.read("POP3", mailbox, found),
            Err(SessionEnd::TryLater(_)) => run.ledger.told_to_wait(),
            Err(SessionEnd::Broken(e)) => run
                .ledger
                .fault(Fault::Reading, format!("POP3 mailbox {mailbox}: {e}")),
        }
        if finishing {
            return;
        }
        run.pause(pause).await;
    }
}

/// One session: the copies retrieved, each with when it was read.
async fn session(run: &Run, mailbox: u32) -> WireResult<Vec<(f64, Copy)>> {
    let args = &run.args;
    let mut w = Wire::connect(args.pop3, args.source(args.clients + mailbox)).await?;
    ok(&mut w).await?;
    w.send(&format!("USER {}", args.mailbox(mailbox))).await?;
    ok(&mut w).await?;
    w.send(&format!("PASS {}", args.password)).await?;
    ok(&mut w).await?;
    w.send("STAT").await?;
    let stat = ok(&mut w).await?;
    let count: u32 = stat
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| SessionEnd::Broken(format!("STAT answered {stat:?}")))?;
    let mut found = Vec::new();
    for n in 1..=count {
        w.send(&format!("RETR {n}")).await?;
        ok(&mut w).await?;
        let copy = multiline(&mut w).await?;
        found.push((run.ledger.now(), check(&copy)));
        w.send(&format!("DELE {n}")).await?;
        ok(&mut w).await?;
    }
    w.send("QUIT").await?;
    ok(&mut w).await?;
    Ok(found)
}

/// A `+OK` reply's text, or the `-ERR` as an error.
async fn ok(w: &mut Wire) -> WireResult<String> {
    let line = w.line().await?;
    if line.starts_with("+OK") {
        Ok(line)
    } else if line.starts_with("-ERR [SYS/TEMP]") || line.starts_with("-ERR [IN-USE]") {
        Err(SessionEnd::TryLater(line))
    } else {
        Err(SessionEnd::Broken(format!("server said {line:?}")))
    }
}

/// A multi-line response up to its lone dot, dot-unstuffed, in CRLF lines.
async fn multiline(w: &mut Wire) -> WireResult<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = w.line().await?;
        if line == "." {
            return Ok(out);
        }
        out.extend_from_slice(line.strip_prefix('.').unwrap_or(&line).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}
