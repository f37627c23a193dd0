// SPDX-License-Identifier: MIT
/*
 * udpecho.c: the Linux partition's tiny network service (busybox's nc has no
 * UDP): echoes every datagram on UDP port 7, and answers the test's control
 * datagrams on UDP port 7001 ("ping" -> "pong", "poweroff" -> "bye", then
 * powers the partition off through the kernel). A hosted program for the
 * initramfs (tools/mkinitramfs), built with the host's gcc -static.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <unistd.h>

/* A line on the console through the kernel's log (ttyS0's own output waits for an interrupt). */
static void say(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		write(fd, line, strlen(line));
		close(fd);
	}
}

static int udp_socket(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udpecho: socket");
		return -1;
	}
	return s;
}

/* One datagram from s; echo it, or answer it when it is a control command. */
static int serve(int s, int ctl)
{
	char buf[2048];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

	if (n < 0)
		return 0;
	if (!ctl) {
		sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
		return 0;
	}
	if (n >= 8 && !memcmp(buf, "poweroff", 8)) {
		sendto(s, "bye", 3, 0, (struct sockaddr *)&from, fl);
		return 1;
	}
	sendto(s, "pong", 4, 0, (struct sockaddr *)&from, fl);
	return 0;
}

int main(void)
{
	struct pollfd p[2] = { { udp_socket(7), POLLIN, 0 }, { udp_socket(7001), POLLIN, 0 } };

	if (p[0].fd < 0 || p[1].fd < 0)
		return 1;
	say("udpecho: echo on UDP 7, control on UDP 7001\n");
	for (;;) {
		if (poll(p, 2, -1) <= 0)
			continue;
		if ((p[0].revents & POLLIN))
			serve(p[0].fd, 0);
		if ((p[1].revents & POLLIN) && serve(p[1].fd, 1))
			break;
	}
	say("udpecho: power off requested\n");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
