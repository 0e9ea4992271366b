"""困难职工帮扶: the year's report of files by outcome and category."""
