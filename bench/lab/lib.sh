# shellcheck shell=bash
# Shell helpers shared by the lab benchmarks (lab-modes.sh, afp-backends.sh, compare.sh); sourced.

# Frames received on eth0, summed over the given network namespaces (the real servers): what a
# balancer forwarded, counted where it arrives.
rx_packets_sum() { # namespace...
  local sum=0 n ns
  for ns in "$@"; do
    n=$(ip netns exec "$ns" cat /sys/class/net/eth0/statistics/rx_packets)
    sum=$((sum + n))
  done
  echo "$sum"
}

# Median of whitespace-separated numbers on stdin (the lower middle one for an even count).
median() {
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
