/* logfile.c - see logfile.h */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "logfile.h"

int
logf_open(struct logf *l, const char *path)
{
	struct stat st;

	memset(l, 0, sizeof *l);
	l->last_sync = cull_mono();
	if (!path) {
		l->fd = STDOUT_FILENO;
		l->path = "stdout";
	} else {
		l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		l->path = path;
		if (l->fd < 0)
			return -1;
	}
	if (fstat(l->fd, &st) == 0 && S_ISREG(st.st_mode))
		l->regular = 1;
	return 0;
}

/* flock, retried when a signal interrupts it. */
static int
lock(int fd, int how)
{
	int r;

	while ((r = flock(fd, how)) < 0 && errno == EINTR)
		;
	return r;
}

/* Lock the file for an append and return its end, where the append
 * starts (a torn last line ended with a newline first, once). -1 with
 * errno and the lock let go. */
static off_t
lock_end(struct logf *l)
{
	off_t start;
	char last;
	int saved;

	if (lock(l->fd, LOCK_EX) < 0)
		return -1;
	/* under the lock the end of the file is ours: remember it */
	start = lseek(l->fd, 0, SEEK_END);
	if (start < 0)
		goto fail;
	if (!l->tail_checked) {
		l->tail_checked = 1;
		if (start > 0 && pread(l->fd, &last, 1, start - 1) == 1 && last != '\n') {
			if (write(l->fd, "\n", 1) != 1)
				goto fail;
			start++;
			cull_warn("%s: the log ended with a torn line (a crash mid-write?); "
				  "ended it with a newline", l->path);
		}
	}
	return start;
fail:
	saved = errno;
	lock(l->fd, LOCK_UN);
	errno = saved;
	return -1;
}

/* Write buf[0..len), *done counting what went in: 0, or -1 with errno. */
static int
write_whole(struct logf *l, const char *buf, size_t len, size_t *done)
{
	while (*done < len) {
		ssize_t n = write(l->fd, buf + *done, len - *done);

		if (n < 0) {
			if (errno == EINTR && !l->regular)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		*done += (size_t)n;
		/* a regular file writes all of it or stops short: only a full
		 * disk, a quota or a signal stops it, so do not go on */
		if (*done < len && l->regular) {
			ssize_t m = write(l->fd, buf + *done, len - *done);

			if (m == (ssize_t)(len - *done)) {
				*done = len;
				return 0;
			}
			if (m >= 0)
				errno = ENOSPC;
			return -1;
		}
	}
	return 0;
}

int
logf_append(struct logf *l, const char *buf, size_t len)
{
	off_t start = 0;
	size_t done = 0;
	int saved;

	if (len == 0)
		return 0;
	if (l->regular && (start = lock_end(l)) < 0)
		return -1;
	if (write_whole(l, buf, len, &done) == 0) {
		l->dirty = 1;
		if (l->regular)
			lock(l->fd, LOCK_UN);
		return 0;
	}
	saved = errno;
	if (l->regular) {
		/* take back the part of the buffer that went in */
		if (done > 0 && ftruncate(l->fd, start) < 0)
			saved = errno;
		lock(l->fd, LOCK_UN);
	}
	errno = saved;
	return -1;
}

int
logf_sync(struct logf *l, double min_gap)
{
	double now;

	if (!l->dirty || !l->regular)
		return 0;
	now = cull_mono();
	if (min_gap > 0 && now - l->last_sync < min_gap)
		return 0;
	l->last_sync = now;
	l->dirty = 0;
	return fdatasync(l->fd);
}

int
logf_sync_shared(struct logf *l, const char *stamp, double min_gap)
{
	struct stat st;
	int fd;

	if (!l->dirty || !l->regular)
		return 0;
	if (stat(stamp, &st) == 0) {
		double age = cull_wall() - ((double)st.st_mtim.tv_sec +
					    (double)st.st_mtim.tv_nsec / 1e9);

		if (age >= 0 && age < min_gap)
			return 0;
	}
	fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
	l->dirty = 0;
	return fdatasync(l->fd);
}

void
logf_close(struct logf *l)
{
	if (l->fd > STDERR_FILENO)
		close(l->fd);
	l->fd = -1;
}

off_t
logf_snapshot(const char *path, int *fd)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -1;
	if (fstat(*fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (lock(*fd, LOCK_SH) < 0 || fstat(*fd, &st) < 0)
		goto fail;
	lock(*fd, LOCK_UN);
	return st.st_size;
fail:
	close(*fd);
	*fd = -1;
	return -1;
}

int
logf_lockdir(const char *dir, double deadline, int *lfd, char *err, size_t errsize,
	     const char *busy)
{
	char lock[PATH_MAX];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errsize, "cannot make the directory %s: %s", dir, strerror(errno));
		return 500;
	}
	snprintf(lock, sizeof lock, "%s/.lock", dir);
	if ((*lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errsize, "cannot open %s: %s", lock, strerror(errno));
		return 500;
	}
	while (flock(*lfd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 10000000 };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errsize, "cannot lock %s: %s", lock, strerror(errno));
			close(*lfd);
			return 500;
		}
		if (cull_mono() >= deadline) {
			snprintf(err, errsize, "%s", busy);
			close(*lfd);
			return 503;
		}
		nanosleep(&ts, NULL);
	}
	return 200;
}
