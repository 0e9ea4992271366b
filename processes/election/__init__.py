"""换届选举 / 职工代表选举: nominations, the voter roll, rounds, the ballot box and the count."""
