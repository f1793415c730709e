//go:build linux || darwin || freebsd || netbsd || openbsd

package telegram

import "syscall"

// socketIdle reports whether a kept-alive connection's socket has nothing
// to read and is not closed: the peer sent neither a close (a read of 0
// bytes) nor anything else (bytes nobody asked for), and no error is
// pending. It peeks one byte without waiting, so it costs one system call
// and takes nothing out of the socket.
func socketIdle(raw syscall.RawConn) bool {
	var (
		n    int
		rerr error
		b    [1]byte
	)
	err := raw.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait for the socket to become readable
	})
	if err != nil {
		return false
	}
	return n <= 0 && (rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK)
}
