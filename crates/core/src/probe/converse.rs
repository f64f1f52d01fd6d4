//! The conversation after the socket: TLS as the sslmode says (with
//! libpq's allow/prefer fallbacks), startup and authentication by
//! tokio-postgres on our stream (`connect_raw`), target_session_attrs, then
//! the session batch (`batch.rs`). Failures go up unclassified, with what
//! was seen of the server (`Staged`).

use super::classify::{self, Failure, Seen, Staged};
use super::hosts::{self, TargetType};
use super::report::{ErrorCode, ProbeError, Stage, StepStatus, TlsInfo};
use super::socket::{self, Socket};
use super::state::{password_source_text, Learnt};
use super::target::{Endpoint, HostSpec};
use super::tracker::Tracker;
use super::wire::{lock, Recorded, SharedFacts, WireFacts};
use super::startup::StartupParams;
use super::{auth_guard, batch, limits, replication, tls, ProbeRequest};
use crate::conninfo::SslMode;
use std::sync::{Arc, Mutex};
use tokio_postgres::config::{ChannelBinding, SslMode as PgSsl};

/// How a conversation that did not end in success continues.
pub(crate) enum Next {
    /// A server of the wrong session type: the next host.
    WrongType(String),
    /// The next host (a server starting up or in recovery).
    Host(Staged),
    /// The end of the test.
    Abort(Staged),
    /// The end of the test, already classified (the replication stage's own failures).
    Failed(Box<ProbeError>),
}

impl From<Staged> for Next {
    fn from(s: Staged) -> Next {
        Next::Abort(s)
    }
}

impl Next {
    /// The test's failure, when there is no next host to try (a tunnel).
    pub fn into_error(self, out: &Learnt) -> ProbeError {
        match self {
            Next::Host(s) | Next::Abort(s) => out.classify(s),
            Next::Failed(e) => *e,
            Next::WrongType(reason) => ProbeError::new(
                ErrorCode::WrongSessionType,
                Stage::Auth,
                format!("The server's session is not of the kind asked for: {reason}."),
                "Change target_session_attrs, or connect to another host.",
            ),
        }
    }
}

/// How the conversation's socket was reached, to open another one (libpq's
/// allow/prefer retries) and to describe it.
pub(crate) enum Route<'a> {
    Direct(&'a Endpoint),
    Tunnel { chain: &'a crate::ssh::Chain, host: String, port: u16 },
}

impl Route<'_> {
    fn is_unix(&self) -> bool {
        matches!(self, Route::Direct(Endpoint::Unix { .. }))
    }

    pub(crate) async fn reopen(&self) -> Option<Socket> {
        match self {
            Route::Direct(endpoint) => socket::open(endpoint).await.ok(),
            Route::Tunnel { chain, host, port } => chain.channel(host, *port).await.ok().map(|s| Socket::Ssh(Box::new(s))),
        }
    }

    async fn offers_tls(&self) -> Option<bool> {
        match self {
            Route::Direct(endpoint) => socket::offers_tls(endpoint).await,
            Route::Tunnel { .. } => None,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Route::Direct(endpoint) => endpoint.describe(),
            Route::Tunnel { chain, host, port } => format!("{host}:{port} via SSH {}", chain.last().display()),
        }
    }
}

/// sslnegotiation=direct (validated to come with sslmode require or stricter).
pub(crate) fn direct_tls(info: &crate::conninfo::ConnInfo) -> bool {
    info.get("sslnegotiation") == Some("direct")
}

pub(crate) type Conn = tokio_postgres::Connection<Recorded<Socket>, tls::OpensslStream<Recorded<Socket>>>;
pub(crate) type Connected = (tokio_postgres::Client, Conn, WireFacts, SharedFacts);
pub(crate) type HandshakeResult = Result<Connected, (Failure, WireFacts)>;

/// TLS, auth, target_session_attrs, then the session batch.
pub(crate) async fn converse(
    socket: Socket,
    spec: &HostSpec,
    route: &Route<'_>,
    req: &ProbeRequest,
    tracker: &Tracker<'_>,
    out: &mut Learnt,
    want: TargetType,
) -> Result<(), Next> {
    // libpq ignores sslmode on Unix sockets: the kernel is the transport.
    let effective = if route.is_unix() { SslMode::Disable } else { out.sslmode };
    let tls_host = spec.host.clone().filter(|h| !h.is_empty()).unwrap_or_else(|| spec.display());
    let plan = match effective {
        SslMode::Disable => None,
        _ => match tls::plan(effective, &tls_host, &req.info, &req.inline_tls) {
            Ok(plan) => Some(plan),
            Err(e) => {
                tracker.start(Stage::Tls);
                tracker.finish(StepStatus::Failed, None);
                return Err(Staged::new(Failure::TlsSetup(e), Stage::Tls).into());
            }
        },
    };
    let first = first_kind(effective);
    start_tls_stage(first, route.is_unix(), effective, tracker);
    let negotiated = Arc::new(Mutex::new(None));
    let attempt = handshake_with_fallbacks(socket, first, effective, plan.as_ref(), route, req, out, tracker, &negotiated).await;
    let (client, connection, facts, live_facts) = match attempt {
        Ok(ok) => ok,
        Err((failure, facts)) => return Err(failed_login(failure, facts, first, route, req, tracker).await),
    };
    // target_session_attrs, checked after authentication as libpq does.
    let mut connection = std::pin::pin!(connection);
    if want.needs() != hosts::Needs::Nothing {
        let (read_only, hot_standby) = session_type(&client, connection.as_mut(), want.needs()).await;
        if let Some(reason) = want.reject(read_only, hot_standby) {
            tracker.finish(StepStatus::Failed, Some(format!("passed over: {reason}")));
            drop(client);
            let _ = tokio::time::timeout(std::time::Duration::from_millis(200), &mut connection).await;
            return Err(Next::WrongType(reason.to_owned()));
        }
    }
    out.connected = true;
    let how = match out.password_source(req) {
        crate::conninfo::PasswordSource::None => String::new(),
        s => format!(", password from {}", password_source_text(s)),
    };
    tracker.finish(StepStatus::Ok, Some(format!("as {}{how}", out.user)));
    let tls_info = plan.as_ref().filter(|_| facts.tls_done_at.is_some()).and_then(|p| negotiated_info(p.info.clone(), &negotiated));
    let client_side = super::session::ClientSide {
        login_user: out.user.clone(),
        connected_to: route.describe(),
        tcp_port: (!route.is_unix()).then_some(spec.port),
    };
    batch::run(client, connection, &live_facts, client_side, req, tracker, out, tls_info).await.map_err(Next::Abort)?;
    if replication::wanted(req) {
        let kind = if facts.tls_done_at.is_some() { PgSsl::Require } else { PgSsl::Disable };
        replication::run(route, kind, plan.as_ref(), req, tracker, out).await.map_err(|e| Next::Failed(Box::new(e)))?;
    }
    Ok(())
}

/// The kind of connection tokio-postgres opens first.
fn first_kind(effective: SslMode) -> PgSsl {
    match effective {
        SslMode::Disable | SslMode::Allow => PgSsl::Disable,
        SslMode::Prefer => PgSsl::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSsl::Require,
    }
}

fn start_tls_stage(first: PgSsl, is_unix: bool, effective: SslMode, tracker: &Tracker<'_>) {
    if first != PgSsl::Disable {
        tracker.start(Stage::Tls);
        return;
    }
    let why = match (is_unix, effective) {
        (true, _) => "not used over Unix sockets",
        (_, SslMode::Allow) => "allow: trying without TLS first",
        _ => "sslmode=disable",
    };
    tracker.skip(Stage::Tls, Some(why.into()));
    tracker.start(Stage::Auth);
}

/// The first handshake, and libpq's fallbacks: allow retries with TLS,
/// prefer retries without, when the server's pg_hba refused the first kind.
#[allow(clippy::too_many_arguments)]
async fn handshake_with_fallbacks(
    socket: Socket,
    first: PgSsl,
    effective: SslMode,
    plan: Option<&tls::TlsPlan>,
    route: &Route<'_>,
    req: &ProbeRequest,
    out: &Learnt,
    tracker: &Tracker<'_>,
    negotiated: &Arc<Mutex<Option<tls::Negotiated>>>,
) -> HandshakeResult {
    let attempt = handshake(socket, first, plan, req, out, Some(tracker), negotiated.clone(), StartupParams::off()).await;
    let Err((Failure::Postgres(e), facts)) = &attempt else { return attempt };
    let refused_by_hba = e.as_db_error().is_some_and(|db| db.message().contains("no pg_hba.conf entry"));
    let retry = match effective {
        SslMode::Allow if refused_by_hba => PgSsl::Require,
        SslMode::Prefer if refused_by_hba && facts.tls_done_at.is_some() => PgSsl::Disable,
        _ => return attempt,
    };
    // The report describes the connection that stays, not the refused one.
    *negotiated.lock().unwrap_or_else(|p| p.into_inner()) = None;
    match route.reopen().await {
        Some(socket) => handshake(socket, retry, plan, req, out, None, negotiated.clone(), StartupParams::off()).await,
        None => attempt,
    }
}

/// A failed login, with what was seen of the server; 57P03 (starting up,
/// shutting down, in recovery) moves on to the next host, as libpq does.
async fn failed_login(failure: Failure, facts: WireFacts, first: PgSsl, route: &Route<'_>, req: &ProbeRequest, tracker: &Tracker<'_>) -> Next {
    let failure = match failure {
        // tokio-postgres says "server does not support TLS" when our
        // Require met 'N'; the recorded byte says it exactly.
        Failure::Postgres(_) if facts.first_byte == Some(b'N') && first == PgSsl::Require && facts.tls_done_at.is_none() => Failure::TlsNotOffered,
        // The handshake failed (or the server's alert came right after it, as
        // TLS 1.3 sends a refused certificate's): classify its typed failure.
        Failure::Postgres(e) if facts.tls_error.is_some() => Failure::Handshake { tls: facts.tls_error.clone(), other: Some(e.to_string()) },
        other => other,
    };
    let stage = match failure {
        Failure::Handshake { .. } | Failure::TlsNotOffered => Stage::Tls,
        _ => tracker.current_stage(),
    };
    tracker.finish(StepStatus::Failed, None);
    let used_tls = facts.tls_done_at.is_some();
    let tls_offered = match &failure {
        Failure::Postgres(e) if !used_tls && e.as_db_error().is_some_and(|d| classify::says_no_encryption(d.message())) => route.offers_tls().await,
        _ => None,
    };
    let seen = Seen { used_tls, first_byte: facts.first_byte, sent_ssl_request: first != PgSsl::Disable && !direct_tls(&req.info), tls_offered, host: None };
    let staged = Staged::new(failure, stage).seen(seen);
    if staged.sqlstate() == Some("57P03") {
        Next::Host(staged)
    } else {
        Next::Abort(staged)
    }
}

/// What TLS settled on, once the handshake is done.
fn negotiated_info(mut info: TlsInfo, negotiated: &Arc<Mutex<Option<tls::Negotiated>>>) -> Option<TlsInfo> {
    let n = negotiated.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
    info.version = n.version;
    info.negotiation = if n.direct { "direct" } else { "negotiated" };
    info.cipher = n.cipher;
    info.key_exchange = n.key_exchange;
    info.channel_binding_available = n.channel_binding;
    Some(info)
}

/// (read_only, in_hot_standby) of the session, as libpq learns them: from
/// the startup ParameterStatus (servers 14+), else with libpq's own
/// queries. `read_only` is `default_transaction_read_only or in_hot_standby`.
async fn session_type(client: &tokio_postgres::Client, mut connection: std::pin::Pin<&mut Conn>, needs: hosts::Needs) -> (Option<bool>, Option<bool>) {
    let flag = |c: &Conn, name: &str| c.parameter(name).map(|v| v == "on");
    let mut default_ro = flag(&connection, "default_transaction_read_only");
    let mut hot = flag(&connection, "in_hot_standby");
    let ask = |sql: &'static str| async move {
        let batch = crate::pinned::read_only_batch(&[sql]);
        let rows = client.simple_query(&batch).await.ok()?;
        rows.iter().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
    };
    match needs {
        hosts::Needs::ReadOnly if default_ro.is_none() || hot.is_none() => {
            let answer = tokio::select! { a = ask("SHOW transaction_read_only") => a, _ = &mut connection => None };
            let on = answer.map(|v| v.starts_with("on"));
            (default_ro, hot) = (on, on);
        }
        hosts::Needs::HotStandby if hot.is_none() => {
            let answer = tokio::select! { a = ask("SELECT pg_catalog.pg_is_in_recovery()") => a, _ = &mut connection => None };
            hot = answer.map(|v| v.starts_with('t'));
        }
        _ => {}
    }
    let read_only = match (default_ro, hot) {
        (Some(a), Some(b)) => Some(a || b),
        (Some(true), _) | (_, Some(true)) => Some(true),
        _ => None,
    };
    (read_only, hot)
}

/// One startup + auth on `socket`. Stage transitions are reported only on
/// the first attempt (`tracker` is None on libpq-style retries, whose time
/// counts toward the auth stage, and on the replication connection).
/// `startup` adds parameters to the StartupMessage (`replication=database`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn handshake(
    socket: Socket,
    kind: PgSsl,
    plan: Option<&tls::TlsPlan>,
    req: &ProbeRequest,
    out: &Learnt,
    tracker: Option<&Tracker<'_>>,
    negotiated: Arc<Mutex<Option<tls::Negotiated>>>,
    startup: StartupParams,
) -> HandshakeResult {
    let facts: SharedFacts = Arc::default();
    install_guard(&facts, kind, plan, req);
    let limiter = match (kind, direct_tls(&req.info)) {
        (_, true) => limits::Limiter::off(),
        (PgSsl::Disable, false) => limits::Limiter::messages(),
        _ => limits::Limiter::after_ssl_request(),
    };
    let stream = Recorded::new(socket, facts.clone(), limiter).with_startup(startup.clone());
    let config = startup_config(kind, req, out);
    let fallback_tracker = Tracker::new(&|_| {});
    let connect = tls::OpensslConnect {
        plan,
        facts: facts.clone(),
        tracker: tracker.unwrap_or(&fallback_tracker),
        negotiated,
        direct: direct_tls(&req.info),
        startup,
    };
    let result = config.connect_raw(stream, connect).await;
    let snapshot = lock(&facts).clone();
    // The server answered 'N' to our SSLRequest: TLS was not offered.
    if let (Some(t), Some(b'N'), Some(at), true) = (tracker, snapshot.first_byte, snapshot.first_byte_at, kind != PgSsl::Disable) {
        if snapshot.tls_done_at.is_none() && t.current_stage() == Stage::Tls {
            t.finish_at(StepStatus::Skipped, Some("not offered by the server".into()), at);
            t.start_at(Stage::Auth, at);
        }
    }
    match result {
        Ok((client, connection)) => Ok((client, connection, snapshot, facts)),
        Err(_) if snapshot.misbehaved.is_some() => {
            let why = snapshot.misbehaved.clone().unwrap_or_default();
            Err((Failure::Misbehaved(why), snapshot))
        }
        Err(_) if snapshot.auth.as_ref().is_some_and(|g| g.refused.is_some()) => {
            let libpq = snapshot.auth.as_ref().and_then(|g| g.refused.clone()).unwrap_or_default();
            Err((Failure::AuthRequirement(libpq), snapshot))
        }
        Err(e) => Err((Failure::Postgres(e), snapshot)),
    }
}

/// require_auth and sslcertmode=require, judged on the wire (auth_guard.rs).
fn install_guard(facts: &SharedFacts, kind: PgSsl, plan: Option<&tls::TlsPlan>, req: &ProbeRequest) {
    if let Some(p) = plan {
        p.cert_flags.reset();
    }
    let policy = crate::conninfo::RequireAuth::parse(req.info.get("require_auth").unwrap_or("")).ok().flatten();
    let cert_required = (req.info.get("sslcertmode") == Some("require"))
        .then(|| plan.map(|p| p.cert_flags.clone()).filter(|_| kind != PgSsl::Disable).unwrap_or_default());
    if policy.is_some() || cert_required.is_some() {
        let ssl_request = kind != PgSsl::Disable && !direct_tls(&req.info);
        let no_binding = req.info.get("channel_binding") == Some("disable");
        lock(facts).auth = Some(auth_guard::AuthGuard::new(policy, cert_required, ssl_request, no_binding));
    }
}

/// tokio-postgres's startup settings for this attempt.
fn startup_config(kind: PgSsl, req: &ProbeRequest, out: &Learnt) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config.user(&out.user).dbname(&out.dbname).ssl_mode(kind);
    config.application_name(req.info.get("application_name").unwrap_or("Sluice"));
    if let Some(p) = out.password(req) {
        config.password(p.expose());
    }
    if let Some(o) = req.info.get("options").filter(|o| !o.is_empty()) {
        config.options(o);
    }
    config.channel_binding(match req.info.get("channel_binding") {
        Some("require") => ChannelBinding::Require,
        Some("disable") => ChannelBinding::Disable,
        _ => ChannelBinding::Prefer,
    });
    if direct_tls(&req.info) {
        config.ssl_negotiation(tokio_postgres::config::SslNegotiation::Direct);
    }
    config
}
