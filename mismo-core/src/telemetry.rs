//! Logging set-up shared by every service: MISMO_LOG_FORMAT chooses text on
//! stderr (each line tagged with the service name, so a whole cluster can
//! share one terminal), one JSON object per line on stderr, or the local
//! syslog under facility `mail`, as Postfix logs. `RUST_LOG` filters
//! (default `info`).

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

use crate::config::{Env, FromEnv, LogFormat, LogSettings};

/// Starts logging for `service`. A malformed MISMO_LOG_FORMAT falls back to
/// text here; reading the settings then stops the service naming it.
pub fn init(service: &'static str) {
    let format = Env::load()
        .and_then(|env| LogSettings::from_env(&env))
        .map(|l| l.format)
        .unwrap_or_default();
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .fmt_fields(tracing_subscriber::fmt::format::DefaultFields::new());
    let _ = match format {
        LogFormat::Text => tracing::subscriber::set_global_default(
            builder
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .event_format(Tagged(Some(service)))
                .finish(),
        ),
        LogFormat::Json => tracing::subscriber::set_global_default(
            builder
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .event_format(Json(service))
                .finish(),
        ),
        LogFormat::Syslog => {
            let identity = std::ffi::CString::new(service).expect("a service name has no NUL");
            let options = syslog_tracing::Options::LOG_PID;
            match syslog_tracing::Syslog::new(identity, options, syslog_tracing::Facility::Mail) {
                Some(syslog) => tracing::subscriber::set_global_default(
                    builder
                        .with_writer(syslog)
                        .with_ansi(false)
                        .event_format(Tagged(None))
                        .finish(),
                ),
                None => Ok(()),
            }
        }
    };
    // Libraries that log through the `log` crate, rustls among them. rustls
    // warns of every client that names the server by IP address in SNI (mpop
    // does, which RFC 6066 3 forbids): nothing an operator can act on, and
    // EnvFilter cannot single out the targets of `log` records, so rustls's
    // are left out unless RUST_LOG names it.
    let mut bridge = tracing_log::LogTracer::builder();
    if !directives.contains("rustls") {
        bridge = bridge.ignore_crate("rustls");
    }
    let _ = bridge.init();
}

/// `service LEVEL message key=value ...`; with no service, the message
/// and fields only (syslog adds the time, the name and the pid, and takes
/// the level as the priority).
struct Tagged(Option<&'static str>);

impl<S, N> FormatEvent<S, N> for Tagged
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        if let Some(service) = self.0 {
            write!(writer, "{service:<13} {:>5} ", event.metadata().level())?;
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `{"time":…,"service":…,"level":…,"message":…,"field":…}` on one line.
/// Written here rather than with tracing-subscriber's JSON layer, which
/// cannot add the service name to every line.
struct Json(&'static str);

impl<S, N> FormatEvent<S, N> for Json
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut fields = serde_json::Map::new();
        fields.insert("time".into(), crate::model::now_ms().into());
        fields.insert("service".into(), self.0.into());
        fields.insert("level".into(), event.metadata().level().as_str().into());
        event.record(&mut JsonFields(&mut fields));
        writeln!(writer, "{}", serde_json::Value::Object(fields))
    }
}

struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.insert(field.name().into(), text.into());
    }
}
