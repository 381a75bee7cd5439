//! placeholder until the protocol helper lands
