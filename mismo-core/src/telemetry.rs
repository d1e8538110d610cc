//! Logging set-up shared by every binary.

/// Logs to stderr, each line tagged with the service name so the logs of a
/// whole cluster can share one terminal. `RUST_LOG` filters (default `info`).
pub fn init(service: &'static str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .fmt_fields(tracing_subscriber::fmt::format::DefaultFields::new())
        .event_format(Tagged(service))
        .try_init();
}

struct Tagged(&'static str);

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Tagged
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        write!(writer, "{:<13} {:>5} ", self.0, meta.level())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
