/* SPDX-License-Identifier: MIT */
/*
 * Fds others pass to pid1's sockets, which pid1 never keeps and must never close last:
 * the last close of another's file may block for as long as its owner likes.
 */
#ifndef PID1_FDSINK_H
#define PID1_FDSINK_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Asks the kernel to refuse fds sent to sock (SO_PASSRIGHTS off, Linux 6.16 and later; a
 * listener's connections take it on at connect, before anything can be sent). Returns
 * whether it will; false means fds may arrive and only the careful calls below are safe.
 */
bool fdsink_refuse(int sock);

/*
 * Reads from a stream socket as recv(MSG_DONTWAIT) where fds may come along: the bytes are
 * peeked at first, since a read would have the kernel drop the fds in pid1's hands, and a
 * peek drops only its own references. Bytes that carry fds stay queued: -1 with EBADMSG.
 */
ssize_t fdsink_recv(int fd, char *buf, size_t len);

/*
 * Lets go of a stream socket whose peer may have queued fds on it: stops its input, then
 * closes it when nothing is queued, else leaves the last close to a throw-away process.
 */
void fdsink_close(int fd);

/*
 * Lets go of fd, whatever it holds, by closing it while a throw-away process holds a copy,
 * which it drops as it ends: pid1's close is never the last. False (errno set, fd still
 * open) when no process could be started.
 */
bool fdsink_hand_over(int fd);

/*
 * Has a throw-away process take the datagrams that carry fds off the head of sock, which
 * pid1 must not read meanwhile. Returns a pipe's read end that hangs up once they are
 * off, or -1 (errno set) when no process could be started.
 */
int fdsink_take(int sock);

#endif
