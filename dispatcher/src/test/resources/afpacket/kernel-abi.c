#include <stdio.h>
#include <stddef.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#define P(x) printf(#x "=%ld\n", (long)(x))
int main(){
P(sizeof(struct tpacket2_hdr)); P(offsetof(struct tpacket2_hdr,tp_status));P(offsetof(struct tpacket2_hdr,tp_len));P(offsetof(struct tpacket2_hdr,tp_snaplen));P(offsetof(struct tpacket2_hdr,tp_mac));P(offsetof(struct tpacket2_hdr,tp_net));P(offsetof(struct tpacket2_hdr,tp_sec));P(offsetof(struct tpacket2_hdr,tp_nsec));P(offsetof(struct tpacket2_hdr,tp_vlan_tci));P(offsetof(struct tpacket2_hdr,tp_vlan_tpid));P(offsetof(struct tpacket2_hdr,tp_padding));
P(TPACKET2_HDRLEN);
P(sizeof(struct tpacket3_hdr));P(offsetof(struct tpacket3_hdr,tp_next_offset));P(offsetof(struct tpacket3_hdr,tp_sec));P(offsetof(struct tpacket3_hdr,tp_nsec));P(offsetof(struct tpacket3_hdr,tp_snaplen));P(offsetof(struct tpacket3_hdr,tp_len));P(offsetof(struct tpacket3_hdr,tp_status));P(offsetof(struct tpacket3_hdr,tp_mac));P(offsetof(struct tpacket3_hdr,tp_net));P(offsetof(struct tpacket3_hdr,hv1));P(offsetof(struct tpacket3_hdr,tp_padding));
P(offsetof(struct tpacket3_hdr,hv1.tp_vlan_tci));P(offsetof(struct tpacket3_hdr,hv1.tp_vlan_tpid));
P(TPACKET3_HDRLEN);
P(sizeof(struct tpacket_hdr_v1));P(offsetof(struct tpacket_hdr_v1,block_status));P(offsetof(struct tpacket_hdr_v1,num_pkts));P(offsetof(struct tpacket_hdr_v1,offset_to_first_pkt));P(offsetof(struct tpacket_hdr_v1,blk_len));P(offsetof(struct tpacket_hdr_v1,seq_num));P(offsetof(struct tpacket_hdr_v1,ts_first_pkt));P(offsetof(struct tpacket_hdr_v1,ts_last_pkt));
P(sizeof(struct tpacket_block_desc));P(offsetof(struct tpacket_block_desc,version));P(offsetof(struct tpacket_block_desc,offset_to_priv));P(offsetof(struct tpacket_block_desc,hdr));
P(offsetof(struct tpacket_block_desc,hdr.bh1.block_status));P(offsetof(struct tpacket_block_desc,hdr.bh1.num_pkts));P(offsetof(struct tpacket_block_desc,hdr.bh1.offset_to_first_pkt));
P(sizeof(struct tpacket_req3));P(offsetof(struct tpacket_req3,tp_block_size));P(offsetof(struct tpacket_req3,tp_block_nr));P(offsetof(struct tpacket_req3,tp_frame_size));P(offsetof(struct tpacket_req3,tp_frame_nr));P(offsetof(struct tpacket_req3,tp_retire_blk_tov));P(offsetof(struct tpacket_req3,tp_sizeof_priv));P(offsetof(struct tpacket_req3,tp_feature_req_word));
P(sizeof(struct tpacket_req));P(offsetof(struct tpacket_req,tp_block_size));P(offsetof(struct tpacket_req,tp_block_nr));P(offsetof(struct tpacket_req,tp_frame_size));P(offsetof(struct tpacket_req,tp_frame_nr));
P(sizeof(struct sockaddr_ll));P(offsetof(struct sockaddr_ll,sll_family));P(offsetof(struct sockaddr_ll,sll_protocol));P(offsetof(struct sockaddr_ll,sll_ifindex));P(offsetof(struct sockaddr_ll,sll_hatype));P(offsetof(struct sockaddr_ll,sll_pkttype));P(offsetof(struct sockaddr_ll,sll_halen));P(offsetof(struct sockaddr_ll,sll_addr));
P(sizeof(struct sock_filter));P(offsetof(struct sock_filter,code));P(offsetof(struct sock_filter,jt));P(offsetof(struct sock_filter,jf));P(offsetof(struct sock_filter,k));
P(sizeof(struct sock_fprog));P(offsetof(struct sock_fprog,len));P(offsetof(struct sock_fprog,filter));
P(sizeof(struct tpacket_stats));P(offsetof(struct tpacket_stats,tp_packets));P(offsetof(struct tpacket_stats,tp_drops));
P(sizeof(struct pollfd));P(offsetof(struct pollfd,fd));P(offsetof(struct pollfd,events));P(offsetof(struct pollfd,revents));
P(AF_PACKET);P(SOCK_RAW);P(ETH_P_ALL);P(SOL_SOCKET);P(SO_ATTACH_FILTER);P(SOL_PACKET);P(PACKET_RX_RING);P(PACKET_STATISTICS);P(PACKET_VERSION);P(PACKET_TX_RING);P(PACKET_LOSS);P(PACKET_QDISC_BYPASS);P(PACKET_IGNORE_OUTGOING);P(TPACKET_V2);P(TPACKET_V3);P(PACKET_FANOUT);P(PACKET_FANOUT_HASH);P(PACKET_FANOUT_CBPF);P(PACKET_FANOUT_DATA);P(PACKET_FANOUT_FLAG_UNIQUEID);P(PACKET_FANOUT_FLAG_DEFRAG);P(TP_STATUS_BLK_TMO);
P(TP_STATUS_KERNEL);P(TP_STATUS_USER);P(TP_STATUS_LOSING);P(TP_STATUS_CSUMNOTREADY);P(TP_STATUS_VLAN_VALID);P(TP_STATUS_VLAN_TPID_VALID);P(TP_STATUS_AVAILABLE);P(TP_STATUS_SEND_REQUEST);P(TP_STATUS_SENDING);P(TP_STATUS_WRONG_FORMAT);P(TPACKET_ALIGNMENT);
P(PROT_READ);P(PROT_WRITE);P(MAP_SHARED);P(POLLIN);P(EFD_NONBLOCK);P(EFD_CLOEXEC);P(MSG_DONTWAIT);
P(BPF_LD|BPF_W|BPF_ABS);P(BPF_LD|BPF_H|BPF_ABS);P(BPF_LD|BPF_W|BPF_IND);P(BPF_LDX|BPF_W|BPF_IMM);P(BPF_JMP|BPF_JEQ|BPF_K);P(BPF_RET|BPF_K);
P(BPF_RET|BPF_A);P(BPF_LD|BPF_B|BPF_ABS);P(BPF_LD|BPF_H|BPF_IND);P(BPF_LD|BPF_W|BPF_IMM);P(BPF_LDX|BPF_W|BPF_MEM);P(BPF_ST);P(BPF_MISC|BPF_TAX);P(BPF_ALU|BPF_AND|BPF_K);P(BPF_ALU|BPF_LSH|BPF_K);P(BPF_ALU|BPF_RSH|BPF_K);P(BPF_ALU|BPF_MUL|BPF_K);P(BPF_ALU|BPF_XOR|BPF_X);P(BPF_JMP|BPF_JA);
P(SKF_AD_OFF+SKF_AD_PROTOCOL);P(SKF_NET_OFF);
return 0;}
