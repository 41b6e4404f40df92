global using MediaKind = MediaCore.Protocol.Sdp.MediaKind;
