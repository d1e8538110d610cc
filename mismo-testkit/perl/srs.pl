#!/usr/bin/perl
# Perl's Mail::SRS (Debian package libmail-srs-perl), the reference SRS
# implementation, with a given key:
#   srs.pl forward HEXKEY SENDER ALIAS_DOMAIN   prints the rewritten sender
#   srs.pl reverse HEXKEY ADDRESS               prints the original sender
use strict;
use warnings;
use Mail::SRS;

my ($mode, $hexkey, $address, $alias) = @ARGV;
my $srs = Mail::SRS->new(Secret => pack("H*", $hexkey), MaxAge => 21);
if ($mode eq "forward") {
    print $srs->forward($address, $alias), "\n";
} elsif ($mode eq "reverse") {
    print $srs->reverse($address), "\n";
} else {
    die "usage: srs.pl forward|reverse HEXKEY ADDRESS [ALIAS_DOMAIN]\n";
}
