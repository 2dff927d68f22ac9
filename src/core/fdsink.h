/* SPDX-License-Identifier: MIT */
/*
 * Files others passed to pid1's sockets, or left it when they started it, which pid1 never
 * keeps and must never close last: the last close of another's file may block for as long
 * as its owner likes.
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

/*
 * Once nothing can start again: changes to / and closes every inherited fd above 2 (those
 * without FD_CLOEXEC: pid1's own are all close-on-exec, and exec closed those of whoever
 * started pid1), so pid1 pins no mount and holds no pipe or socket open behind the child's
 * back. With keep (a restart policy: the next start needs them) both are kept; a relative
 * pidfile or log file keeps the directory.
 */
void inherited_release(bool keep);

#endif
