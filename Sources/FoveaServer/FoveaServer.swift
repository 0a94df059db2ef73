// FoveaServer
