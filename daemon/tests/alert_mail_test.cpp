// The mail for mail_to: addresses accepted, the message sendmail -t gets.
#include <gtest/gtest.h>

#include "remap/alert_mail.hpp"

using namespace remap;

TEST(AlertMail, AddressLists)
{
	for (const char *ok : {"root", "admin@example.com", "root,admin@example.com", "root, a@b.c , x"})
		EXPECT_TRUE(is_mail_address_list(ok)) << ok;
	for (const char *bad : {"", " ", "root,", ",root", "root admin", "<root@x>", "\"r\"@x",
				"root;x", "a@b\nBcc: x", "r\xc3\xa9@x"})
		EXPECT_FALSE(is_mail_address_list(bad)) << bad;
	EXPECT_FALSE(is_mail_address_list(std::string(255, 'a')));
}

TEST(AlertMail, MessageForSendmailT)
{
	std::map<std::string, std::string> env = {{"REMAPD_EVENT", "pending_new"},
						  {"REMAPD_DEVICE", "r0"},
						  {"REMAPD_MESSAGE", "r0: 4 new pending block(s)"},
						  {"REMAPD_PENDING", "4"},
						  {"OTHER", "x"}};
	EXPECT_EQ(render_alert_mail("root, a@b.c", "host1", env),
		  "To: root, a@b.c\n"
		  "Subject: remapd on host1: pending_new r0\n"
		  "Content-Type: text/plain; charset=utf-8\n"
		  "\n"
		  "r0: 4 new pending block(s)\n"
		  "\n"
		  "REMAPD_DEVICE=r0\n"
		  "REMAPD_EVENT=pending_new\n"
		  "REMAPD_MESSAGE=r0: 4 new pending block(s)\n"
		  "REMAPD_PENDING=4\n");
}

TEST(AlertMail, NoHeaderInjection)
{
	std::map<std::string, std::string> env = {{"REMAPD_EVENT", "pair_refused"},
						  {"REMAPD_DEVICE", ""},
						  {"REMAPD_MESSAGE", "x\nBcc: evil@example.com"}};
	std::string m = render_alert_mail("root", "h", env);
	EXPECT_EQ(m.find("\nBcc:"), std::string::npos) << m;
	EXPECT_NE(m.find("Subject: remapd on h: pair_refused\n"), std::string::npos) << m;
}
