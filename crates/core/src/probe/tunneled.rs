//! Through an SSH tunnel: the hops, then the last one's channel to the
//! database (the first host of the list; the bastion resolves it, as
//! `ssh -W` does), then the same conversation as a direct connection.

use super::classify::{Failure, Staged};
use super::converse::{converse, Route};
use super::hosts::TargetType;
use super::report::{ProbeError, Stage, StepStatus};
use super::request::SshRequest;
use super::socket::Socket;
use super::state::Learnt;
use super::target::HostSpec;
use super::tracker::Tracker;
use super::ProbeRequest;

pub(crate) async fn attempt(req: &ProbeRequest, ssh: &SshRequest, specs: &[HostSpec], tracker: &Tracker<'_>, out: &mut Learnt) -> Result<(), ProbeError> {
    let settings = |m: String| Staged::new(Failure::Ssh(crate::ssh::SshFailure::Settings(m)), Stage::SshConnect);
    if ssh.tunnel.unconfirmed {
        tracker.start_hop(Stage::SshConnect, 0, ssh.tunnel.hops.first().map(|h| h.display()).unwrap_or_default());
        tracker.finish(StepStatus::Failed, Some("imported trust not confirmed".into()));
        return Err(out.classify(settings("the SSH tunnel's pinned host keys or known_hosts file came from an import and have not been confirmed yet: check them, then confirm them (save the connection in the form, or connections edit --confirm-ssh-trust)".into())));
    }
    let hops = crate::ssh::resolve(&ssh.tunnel, &ssh.env).map_err(|m| out.classify(settings(m)))?;
    let spec = specs.first().ok_or_else(|| out.classify(settings("the database has no host".into())))?;
    if spec.is_socket() {
        return Err(out.classify(settings("a Unix socket cannot be reached through an SSH tunnel: give the database's host name or address as the bastion sees it".into())));
    }
    let want = TargetType::parse(req.info.get("target_session_attrs")).map_err(|m| out.classify(Staged::new(Failure::Settings(m), Stage::Connect)))?;
    // hostaddr, when given, is where to connect; host stays the TLS name.
    let target = spec.hostaddr.map(|a| a.to_string()).unwrap_or_else(|| spec.display());
    let chain = crate::ssh::open(&hops, &ssh.secrets, ssh.accept_new, tracker)
        .await
        .map_err(|f| out.classify(Staged::new(Failure::Ssh(f), tracker.current_stage())))?;
    let last = hops.len() - 1;
    let target_label = format!("{}:{}", if target.contains(':') { format!("[{target}]") } else { target.clone() }, spec.port);
    tracker.start_hop(Stage::SshChannel, last, target_label.clone());
    let result = match chain.channel(&target, spec.port).await {
        Ok(stream) => {
            tracker.finish(StepStatus::Ok, Some(format!("to {target_label}, resolved by {}", chain.last().hostname)));
            let route = Route::Tunnel { chain: &chain, host: target.clone(), port: spec.port };
            converse(Socket::Ssh(Box::new(stream)), spec, &route, req, tracker, out, want).await.map_err(|n| n.into_error(out))
        }
        Err(f) => {
            tracker.finish(StepStatus::Failed, None);
            Err(out.classify(Staged::new(Failure::Ssh(f), Stage::SshChannel)))
        }
    };
    chain.close().await;
    result
}
