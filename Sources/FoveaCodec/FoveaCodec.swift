// FoveaCodec
