<?php
// vcn: launch-to-ready latency. On a VCN's page its own time (vcnd's
// vcn_ready_s_VCN); elsewhere the mean of each VO's ready VCNs
// (vcn_vo_VO_ready_s), both from host "vcnd".
include_once dirname(__FILE__) . "/vcn_lib.php";

function graph_vcn_launch_ready_report(&$rrdtool_graph)
{
  $dir = vcn_vcnd_dir();
  $host = $GLOBALS['hostname'];
  vcn_graph_setup($rrdtool_graph, "Launch to ready", "seconds");
  $series = '';
  if (vcn_name_ok($host) && is_file("$dir/vcn_ready_s_$host.rrd")) {
    $series = "DEF:'r'='$dir/vcn_ready_s_$host.rrd':'sum':AVERAGE LINE2:'r'#3333bb:'$host launch to ready' ";
  } else {
    foreach (array_slice(vcn_vos("ready_s"), 0, 8) as $i => $vo)
      $series .= "DEF:'r$i'='$dir/vcn_vo_{$vo}_ready_s.rrd':'sum':AVERAGE LINE2:'r$i'#" . vcn_color($i) .
        ":'$vo mean' ";
  }
  if ($series == '')
    vcn_no_data($rrdtool_graph, "no launch-to-ready times from vcnd");
  else
    $rrdtool_graph['series'] = $series;
}
