// FoveaProtocol
