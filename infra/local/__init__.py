"""Local runtime: everything needed to run Vidscope on one machine with moto as AWS."""
