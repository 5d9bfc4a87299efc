// canvass patch: TCP only. Unix-socket support was dropped so that every accepted
// connection is a `TcpStream` with read/write timeouts (see PATCHES.md).

//! Abstractions of the listening socket types.

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

/// The listening socket of a server. Only TCP is supported by this copy of tiny_http.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
}

impl Listener {
    pub(crate) fn local_addr(&self) -> std::io::Result<ListenAddr> {
        match self {
            Self::Tcp(l) => l.local_addr().map(ListenAddr::from),
        }
    }

    pub(crate) fn accept(&self) -> std::io::Result<(TcpStream, SocketAddr)> {
        match self {
            Self::Tcp(l) => l.accept(),
        }
    }
}

impl From<TcpListener> for Listener {
    fn from(s: TcpListener) -> Self {
        Self::Tcp(s)
    }
}

/// The addresses a server may try to listen on.
#[derive(Debug, Clone)]
pub enum ConfigListenAddr {
    IP(Vec<SocketAddr>),
}

impl ConfigListenAddr {
    pub fn from_socket_addrs<A: ToSocketAddrs>(addrs: A) -> std::io::Result<Self> {
        addrs.to_socket_addrs().map(|it| Self::IP(it.collect()))
    }

    pub(crate) fn bind(&self) -> std::io::Result<Listener> {
        match self {
            Self::IP(a) => TcpListener::bind(a.as_slice()).map(Listener::from),
        }
    }
}

/// The address a server listens on.
#[derive(Debug, Clone)]
pub enum ListenAddr {
    IP(SocketAddr),
}

impl ListenAddr {
    /// The TCP address. Always `Some` in this copy of tiny_http (kept as an `Option` for
    /// compatibility with upstream).
    pub fn to_ip(self) -> Option<SocketAddr> {
        match self {
            Self::IP(s) => Some(s),
        }
    }
}

impl From<SocketAddr> for ListenAddr {
    fn from(s: SocketAddr) -> Self {
        Self::IP(s)
    }
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::IP(s) => s.fmt(f),
        }
    }
}
