"""Federation: peer installations that exchange signed notices and witness each other's logs."""
