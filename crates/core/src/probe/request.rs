//! What a probe is asked to do.

use crate::conninfo::ConnInfo;
pub(crate) use crate::connection::InlineTls;
use std::time::Duration;

/// Used when the connection sets no `connect_timeout` (or sets 0, which to
/// libpq means "wait forever": a test must never do that).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);
/// libpq treats connect_timeout values below 2 s as 2 s.
const MIN_DEADLINE: Duration = Duration::from_secs(2);

/// Run the access analysis after the session stage, for this job.
#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub job: crate::job::Job,
    pub options: crate::job::JobOptions,
    pub scope: crate::access::Scope,
}

/// Reach the database through an SSH tunnel.
#[derive(Debug, Clone)]
pub struct SshRequest {
    pub tunnel: crate::ssh::Tunnel,
    pub secrets: crate::ssh::SshSecrets,
    /// Home, `~/.ssh/config`, the agent: the process's unless a caller says otherwise.
    pub env: crate::ssh::SshEnv,
    /// Record an unknown host key and go on (`StrictHostKeyChecking=accept-new`).
    /// A changed key is refused whatever this says.
    pub accept_new: bool,
}

impl SshRequest {
    pub fn new(tunnel: crate::ssh::Tunnel, secrets: crate::ssh::SshSecrets) -> SshRequest {
        SshRequest { tunnel, secrets, env: crate::ssh::SshEnv::from_process(), accept_new: false }
    }
}

#[derive(Debug, Clone)]
pub struct ProbeRequest {
    /// Connection fields, password included.
    pub info: ConnInfo,
    pub inline_tls: InlineTls,
    /// Overrides the connection's `connect_timeout` as the overall deadline.
    pub timeout: Option<Duration>,
    pub analysis: Option<AnalysisRequest>,
    /// The tunnel, when the database is behind SSH.
    pub ssh: Option<SshRequest>,
    /// Where the settings came from (echoed in the report).
    pub provenance: Provenance,
    /// Run for the password when none is given (cloud IAM, a secret manager).
    pub password_command: Option<crate::connection::PasswordCommand>,
    /// With a host list and no password given: the password file's
    /// password for each host in order, with its `FILE:LINE` (see
    /// [`Resolved::host_passwords`](crate::conninfo::Resolved::host_passwords)).
    pub host_passwords: Vec<Option<(crate::secret::Secret, String)>>,
}

/// Where a request's settings came from, as the report tells it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Provenance {
    pub password_source: crate::conninfo::PasswordSource,
    /// Keywords set from `PG*` variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<crate::conninfo::resolve::FromEnv>,
    /// The service used (`service=` or `PGSERVICE`), and its file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The password file line the password came from (`FILE:LINE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passfile: Option<String>,
    /// libpq's warnings while resolving (a password file it would not read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Provenance {
    pub fn of(r: &crate::conninfo::Resolved) -> Provenance {
        Provenance {
            password_source: r.password_source,
            environment: r.from_env.clone(),
            service: r.service.as_ref().map(|(name, file)| format!("{name} ({})", file.display())),
            passfile: r.passfile.as_ref().map(|(f, line)| format!("{}:{line}", f.display())),
            warnings: r.warnings.clone(),
        }
    }
}

impl ProbeRequest {
    /// A request for `given` resolved as libpq would with `env` (service,
    /// `PG*` variables, the OS user, the password file); `source` says where
    /// a password in `given` came from.
    pub fn resolved(
        given: &crate::conninfo::ConnInfo,
        source: crate::conninfo::PasswordSource,
        env: &crate::conninfo::Environment,
    ) -> Result<ProbeRequest, crate::conninfo::resolve::ResolveError> {
        let r = crate::conninfo::resolve(given, source, env)?;
        let mut req = ProbeRequest::new(r.info.clone());
        req.provenance = Provenance::of(&r);
        req.host_passwords =
            r.host_passwords.into_iter().map(|p| p.map(|(secret, file, line)| (secret, format!("{}:{line}", file.display())))).collect();
        Ok(req)
    }
}

impl ProbeRequest {
    pub fn new(info: ConnInfo) -> Self {
        ProbeRequest {
            info,
            inline_tls: InlineTls::default(),
            timeout: None,
            analysis: None,
            ssh: None,
            provenance: Provenance::default(),
            password_command: None,
            host_passwords: Vec::new(),
        }
    }

    /// The one deadline for the whole test: `timeout`, else the
    /// connection's `connect_timeout` (at least 2 s, as libpq), else 10 s.
    pub fn deadline(&self) -> Duration {
        if let Some(t) = self.timeout {
            return t;
        }
        match self.info.get("connect_timeout").map(str::trim).map(str::parse::<u64>) {
            Some(Ok(0)) | None | Some(Err(_)) => DEFAULT_DEADLINE,
            // libpq's connect_timeout is per address: with a host list, every
            // host gets its share of the one deadline.
            Some(Ok(secs)) => (Duration::from_secs(secs) * self.host_count()).max(MIN_DEADLINE),
        }
    }
}

impl ProbeRequest {
    /// The number of hosts libpq would try: hostaddr's list, else host's.
    fn host_count(&self) -> u32 {
        let count = |k: &str| self.info.get(k).filter(|v| !v.is_empty()).map(|v| v.split(',').count() as u32);
        count("hostaddr").or_else(|| count("host")).unwrap_or(1).max(1)
    }
}
