<?php
// vcn: VO scale: for each VO, its ready VCNs (solid) against its target
// (dashed), from host "vcnd"; with vo=NAME in the URL, one VO's demand
// (when an autoscaler publishes it), target, running and ready.
include_once dirname(__FILE__) . "/vcn_lib.php";

function graph_vcn_vo_scale_report(&$rrdtool_graph)
{
  $dir = vcn_vcnd_dir();
  $one = isset($_GET['vo']) && vcn_name_ok($_GET['vo']) ? $_GET['vo'] : null;
  vcn_graph_setup($rrdtool_graph, $one === null ? "VO scale: ready vs target" : "VO $one scale", "VCNs");
  $series = '';
  if ($one !== null) {
    $kinds = array("demand" => "Demand", "target" => "Target", "running" => "Running", "ready" => "Ready");
    $i = 0;
    foreach ($kinds as $k => $label) {
      $f = "$dir/vcn_vo_{$one}_$k.rrd";
      if (is_file($f))
        $series .= "DEF:'$k'='$f':'sum':AVERAGE LINE2:'$k'#" . vcn_color($i) . ":'$label' ";
      $i++;
    }
  } else {
    foreach (array_slice(vcn_vos("ready"), 0, 8) as $i => $vo) {
      $c = vcn_color($i);
      $series .= "DEF:'r$i'='$dir/vcn_vo_{$vo}_ready.rrd':'sum':AVERAGE LINE2:'r$i'#$c:'$vo ready' ";
      if (is_file("$dir/vcn_vo_{$vo}_target.rrd"))
        $series .= "DEF:'t$i'='$dir/vcn_vo_{$vo}_target.rrd':'sum':AVERAGE LINE1:'t$i'#$c:'$vo target':dashes ";
    }
  }
  if ($series == '')
    vcn_no_data($rrdtool_graph, "no VO scale numbers from vcnd");
  else
    $rrdtool_graph['series'] = $series;
}
