//! One stream type over TCP, Unix sockets and SSH channels, so the
//! handshake and session code is written once.

use super::target::Endpoint;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

pub(crate) enum Socket {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    /// A `direct-tcpip` channel of the last SSH hop.
    Ssh(Box<russh::ChannelStream<russh::client::Msg>>),
}

pub(crate) async fn open(endpoint: &Endpoint) -> io::Result<Socket> {
    match endpoint {
        Endpoint::Tcp { addr, .. } => {
            let s = TcpStream::connect(addr).await?;
            // Startup and auth are many small messages: don't let Nagle delay them.
            s.set_nodelay(true)?;
            Ok(Socket::Tcp(s))
        }
        // libpq (14+): a host starting with @ names a socket in Linux's abstract namespace.
        #[cfg(target_os = "linux")]
        Endpoint::Unix { path } if path.as_os_str().as_encoded_bytes().first() == Some(&b'@') => {
            use std::os::linux::net::SocketAddrExt;
            let name = &path.as_os_str().as_encoded_bytes()[1..];
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            let name = path.display().to_string();
            let s = tokio::task::spawn_blocking(move || std::os::unix::net::UnixStream::connect_addr(&addr))
                .await
                .map_err(|e| io::Error::other(format!("{name}: {e}")))??;
            s.set_nonblocking(true)?;
            Ok(Socket::Unix(tokio::net::UnixStream::from_std(s)?))
        }
        #[cfg(unix)]
        Endpoint::Unix { path } => Ok(Socket::Unix(tokio::net::UnixStream::connect(path).await?)),
        #[cfg(not(unix))]
        Endpoint::Unix { .. } => Err(io::Error::new(io::ErrorKind::Unsupported, "Unix sockets are not available on this platform")),
    }
}

/// libpq's `requirepeer`: over a Unix socket, the server process must run
/// as this OS user (libpq's messages). Over TCP it does not apply.
pub(crate) fn check_peer(socket: &Socket, requirepeer: Option<&str>) -> Result<(), String> {
    let Some(want) = requirepeer.filter(|r| !r.is_empty()) else { return Ok(()) };
    match socket {
        #[cfg(unix)]
        Socket::Unix(s) => {
            let cred = s.peer_cred().map_err(|e| format!("could not get peer credentials: {e}"))?;
            let uid = cred.uid();
            let name = crate::conninfo::environment::user_name(uid).ok_or_else(|| format!("local user with ID {uid} does not exist"))?;
            if name != want {
                return Err(format!("requirepeer specifies \"{want}\", but actual peer user name is \"{name}\""));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Sends a bare SSLRequest and reads the one-byte answer: does this server
/// offer TLS at all? Used only to explain a refusal, never on success.
pub(crate) async fn offers_tls(endpoint: &Endpoint) -> Option<bool> {
    let Ok(Socket::Tcp(mut s)) = open(endpoint).await else { return None };
    // Length 8, then the SSLRequest code 80877103.
    s.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await.ok()?;
    let mut b = [0u8];
    s.read_exact(&mut b).await.ok()?;
    Some(b[0] == b'S')
}

impl AsyncRead for Socket {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Ssh(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Ssh(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
            Socket::Ssh(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Ssh(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
